// Command verifier checks the ledger's Python log code against Go's reference
// implementations in golang.org/x/mod/sumdb/{note,tlog}.
//
//	verifier verify <input.json>   verify a signed checkpoint, inclusion proofs,
//	                               a consistency proof, cosignatures and tlog-proof
//	                               files; print OK and exit 0, or exit 1 with why
//	verifier vectors <N>           print roots, proofs and tiles computed by Go's
//	                               tlog over leaves "leaf 0".."leaf N-1", and
//	                               Go's tile paths, as JSON
//
// x/mod/sumdb/note only knows Ed25519 (type 0x01) keys, so cosignature/v1
// (type 0x04) keys are verified by a note.Verifier written here from the C2SP
// tlog-cosignature spec with crypto/ed25519.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type record struct {
	Data  []byte   `json:"data"`
	Index int64    `json:"index"`
	Proof [][]byte `json:"proof"`
}

type proofFile struct {
	Proof string `json:"proof"`
	Data  []byte `json:"data"`
}

type input struct {
	LogVkey          string      `json:"log_vkey"`
	CosignerVkeys    []string    `json:"cosigner_vkeys"`
	Origin           string      `json:"origin"`
	Checkpoint       string      `json:"checkpoint"`
	Records          []record    `json:"records"`
	OldCheckpoint    string      `json:"old_checkpoint"`
	ConsistencyProof [][]byte    `json:"consistency_proof"`
	TlogProofs       []proofFile `json:"tlog_proofs"`
}

// cosigVerifier verifies c2sp.org/tlog-cosignature v1 Ed25519 cosignatures.
type cosigVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (v *cosigVerifier) Name() string    { return v.name }
func (v *cosigVerifier) KeyHash() uint32 { return v.hash }
func (v *cosigVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	if t > 1<<63-1 {
		return false
	}
	signed := []byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t))
	signed = append(signed, msg...)
	return ed25519.Verify(v.key, signed, sig[8:])
}

func keyHash(name string, typ byte, key []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', typ})
	h.Write(key)
	return binary.BigEndian.Uint32(h.Sum(nil)[:4])
}

func newCosigVerifier(vkey string) (*cosigVerifier, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 || len(parts[1]) != 8 {
		return nil, errors.New("malformed cosigner vkey")
	}
	hash, err := strconv.ParseUint(parts[1], 16, 32)
	if err != nil {
		return nil, errors.New("malformed cosigner vkey hash")
	}
	key, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(key) != 1+ed25519.PublicKeySize || key[0] != 0x04 {
		return nil, errors.New("cosigner vkey is not a type 0x04 Ed25519 key")
	}
	if keyHash(parts[0], 0x04, key[1:]) != uint32(hash) {
		return nil, errors.New("cosigner vkey hash mismatch")
	}
	return &cosigVerifier{name: parts[0], hash: uint32(hash), key: ed25519.PublicKey(key[1:])}, nil
}

type checkpoint struct {
	origin string
	tree   tlog.Tree
}

// parseCheckpoint parses c2sp.org/tlog-checkpoint note text strictly.
func parseCheckpoint(text string) (checkpoint, error) {
	if !strings.HasSuffix(text, "\n") {
		return checkpoint{}, errors.New("checkpoint does not end with newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 || lines[0] == "" {
		return checkpoint{}, errors.New("checkpoint has fewer than 3 lines or empty origin")
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || lines[1] != strconv.FormatInt(n, 10) {
		return checkpoint{}, errors.New("malformed checkpoint size")
	}
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return checkpoint{}, errors.New("malformed checkpoint root hash")
	}
	for _, ext := range lines[3:] {
		if ext == "" {
			return checkpoint{}, errors.New("empty checkpoint extension line")
		}
	}
	var hash tlog.Hash
	copy(hash[:], h)
	return checkpoint{origin: lines[0], tree: tlog.Tree{N: n, Hash: hash}}, nil
}

func toHashes(raw [][]byte) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(raw))
	for i, r := range raw {
		if len(r) != tlog.HashSize {
			return nil, fmt.Errorf("proof hash %d has %d bytes", i, len(r))
		}
		copy(out[i][:], r)
	}
	return out, nil
}

type checker struct {
	verifiers note.Verifiers
	required  []note.Verifier
	origin    string
}

// open verifies a checkpoint note: every required key must have signed it.
func (c *checker) open(msg string) (checkpoint, error) {
	n, err := note.Open([]byte(msg), c.verifiers)
	if err != nil {
		return checkpoint{}, fmt.Errorf("note: %v", err)
	}
	for _, v := range c.required {
		found := false
		for _, s := range n.Sigs {
			if s.Name == v.Name() && s.Hash == v.KeyHash() {
				found = true
			}
		}
		if !found {
			return checkpoint{}, fmt.Errorf("note: no valid signature from %s", v.Name())
		}
	}
	cp, err := parseCheckpoint(n.Text)
	if err != nil {
		return checkpoint{}, err
	}
	if c.origin != "" && cp.origin != c.origin {
		return checkpoint{}, fmt.Errorf("checkpoint origin %q, want %q", cp.origin, c.origin)
	}
	return cp, nil
}

// parseTlogProof parses a c2sp.org/tlog-proof@v1 file.
func parseTlogProof(text string) (int64, []tlog.Hash, string, error) {
	i := strings.Index(text, "\n\n")
	if i < 0 {
		return 0, nil, "", errors.New("tlog-proof: no blank line")
	}
	head := strings.Split(text[:i], "\n")
	notePart := text[i+2:]
	if head[0] != "c2sp.org/tlog-proof@v1" {
		return 0, nil, "", errors.New("tlog-proof: bad header")
	}
	head = head[1:]
	if len(head) > 0 && strings.HasPrefix(head[0], "extra ") {
		if _, err := base64.StdEncoding.DecodeString(head[0][6:]); err != nil {
			return 0, nil, "", errors.New("tlog-proof: bad extra")
		}
		head = head[1:]
	}
	if len(head) == 0 || !strings.HasPrefix(head[0], "index ") {
		return 0, nil, "", errors.New("tlog-proof: no index line")
	}
	s := head[0][6:]
	idx, err := strconv.ParseInt(s, 10, 64)
	if err != nil || idx < 0 || s != strconv.FormatInt(idx, 10) {
		return 0, nil, "", errors.New("tlog-proof: bad index")
	}
	var proof []tlog.Hash
	for _, line := range head[1:] {
		h, err := base64.StdEncoding.DecodeString(line)
		if err != nil || len(h) != tlog.HashSize {
			return 0, nil, "", errors.New("tlog-proof: bad proof hash")
		}
		var hh tlog.Hash
		copy(hh[:], h)
		proof = append(proof, hh)
	}
	return idx, proof, notePart, nil
}

func verify(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var in input
	if err := json.Unmarshal(raw, &in); err != nil {
		return fmt.Errorf("input: %v", err)
	}
	logV, err := note.NewVerifier(in.LogVkey)
	if err != nil {
		return fmt.Errorf("log vkey: %v", err)
	}
	all := []note.Verifier{logV}
	for _, vk := range in.CosignerVkeys {
		cv, err := newCosigVerifier(vk)
		if err != nil {
			return err
		}
		all = append(all, cv)
	}
	c := &checker{verifiers: note.VerifierList(all...), required: all, origin: in.Origin}

	cp, err := c.open(in.Checkpoint)
	if err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	for _, r := range in.Records {
		proof, err := toHashes(r.Proof)
		if err != nil {
			return err
		}
		if err := tlog.CheckRecord(proof, cp.tree.N, cp.tree.Hash, r.Index, tlog.RecordHash(r.Data)); err != nil {
			return fmt.Errorf("inclusion of record %d: %v", r.Index, err)
		}
	}
	if in.OldCheckpoint != "" {
		old, err := c.open(in.OldCheckpoint)
		if err != nil {
			return fmt.Errorf("old checkpoint: %v", err)
		}
		if old.origin != cp.origin {
			return errors.New("old and new checkpoints are for different logs")
		}
		proof, err := toHashes(in.ConsistencyProof)
		if err != nil {
			return err
		}
		if err := tlog.CheckTree(proof, cp.tree.N, cp.tree.Hash, old.tree.N, old.tree.Hash); err != nil {
			return fmt.Errorf("consistency %d -> %d: %v", old.tree.N, cp.tree.N, err)
		}
	}
	for i, pf := range in.TlogProofs {
		idx, proof, msg, err := parseTlogProof(pf.Proof)
		if err != nil {
			return fmt.Errorf("tlog-proof %d: %v", i, err)
		}
		pcp, err := c.open(msg)
		if err != nil {
			return fmt.Errorf("tlog-proof %d checkpoint: %v", i, err)
		}
		if err := tlog.CheckRecord(proof, pcp.tree.N, pcp.tree.Hash, idx, tlog.RecordHash(pf.Data)); err != nil {
			return fmt.Errorf("tlog-proof %d inclusion: %v", i, err)
		}
	}
	return nil
}

type inclusionVector struct {
	Index int64       `json:"index"`
	Size  int64       `json:"size"`
	Proof []tlog.Hash `json:"proof"`
}

type consistencyVector struct {
	Old   int64       `json:"old"`
	New   int64       `json:"new"`
	Proof []tlog.Hash `json:"proof"`
}

type tileVector struct {
	Level int    `json:"level"`
	Index int64  `json:"index"`
	Width int    `json:"width"`
	Data  []byte `json:"data"`
}

type pathVector struct {
	Level int    `json:"level"`
	Index int64  `json:"index"`
	Width int    `json:"width"`
	Path  string `json:"path"`
}

type vectorSet struct {
	N           int64                `json:"n"`
	Roots       map[string]tlog.Hash `json:"roots"`
	Inclusion   []inclusionVector    `json:"inclusion"`
	Consistency []consistencyVector  `json:"consistency"`
	Tiles       []tileVector         `json:"tiles"`
	Paths       []pathVector         `json:"paths"`
}

// tilePaths gives Go's path of tiles at every level (-1: the entry bundle),
// full and partial, with indexes of one to seven 3-digit path elements.
func tilePaths() []pathVector {
	var out []pathVector
	for _, l := range []int{-1, 0, 1, 2, 63} {
		for _, n := range []int64{0, 1, 999, 1000, 1001, 1234067, 999999999, 1 << 40, 1<<55 - 1} {
			for _, w := range []int{1, 44, 255, 256} {
				t := tlog.Tile{H: 8, L: l, N: n, W: w}
				out = append(out, pathVector{l, n, w, t.Path()})
			}
		}
	}
	return out
}

func within(values []int64, lo, hi int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, v := range values {
		if v >= lo && v <= hi && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func vectors(n int64) error {
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i := int64(0); i < n; i++ {
		hashes, err := tlog.StoredHashes(i, []byte(fmt.Sprintf("leaf %d", i)), reader)
		if err != nil {
			return err
		}
		stored = append(stored, hashes...)
	}
	vs := vectorSet{N: n, Roots: map[string]tlog.Hash{}}
	var sizes []int64
	for s := int64(1); s <= n && s <= 40; s++ {
		sizes = append(sizes, s)
	}
	big := within([]int64{255, 256, 257, 511, 512, 513, 1000, 65535, 65536, 65537, n / 2, n - 1, n}, 41, n)
	sizes = append(sizes, big...)
	for _, s := range sizes {
		h, err := tlog.TreeHash(s, reader)
		if err != nil {
			return err
		}
		vs.Roots[strconv.FormatInt(s, 10)] = h
	}
	for _, s := range sizes {
		var idxs, olds []int64
		if s <= 40 {
			for i := int64(0); i < s; i++ {
				idxs = append(idxs, i)
				olds = append(olds, i+1)
			}
		} else {
			idxs = within([]int64{0, 1, 2, 255, 256, 257, 65535, 65536, s / 2, s - 2, s - 1}, 0, s-1)
			olds = within([]int64{1, 2, 3, 37, 255, 256, 257, 65536, s / 2, s - 1, s}, 1, s)
		}
		for _, i := range idxs {
			p, err := tlog.ProveRecord(s, i, reader)
			if err != nil {
				return err
			}
			vs.Inclusion = append(vs.Inclusion, inclusionVector{i, s, p})
		}
		for _, o := range olds {
			p, err := tlog.ProveTree(s, o, reader)
			if err != nil {
				return err
			}
			vs.Consistency = append(vs.Consistency, consistencyVector{o, s, p})
		}
	}
	for _, t := range tlog.NewTiles(8, 0, n) {
		last := (n >> 8) - 1
		if t.L == 0 && t.N > 1 && t.N < last {
			continue // keep the output small: first and last leaf tiles only
		}
		data, err := tlog.ReadTileData(t, reader)
		if err != nil {
			return err
		}
		vs.Tiles = append(vs.Tiles, tileVector{t.L, t.N, t.W, data})
	}
	vs.Paths = tilePaths()
	enc := json.NewEncoder(os.Stdout)
	return enc.Encode(vs)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: verifier verify <input.json> | verifier vectors <N>")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "verify":
		err = verify(os.Args[2])
		if err == nil {
			fmt.Println("OK")
		}
	case "vectors":
		n, perr := strconv.ParseInt(os.Args[2], 10, 64)
		if perr != nil || n < 1 {
			err = errors.New("N must be a positive integer")
		} else {
			err = vectors(n)
		}
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
}
