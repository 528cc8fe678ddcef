"""``ledger witness …`` (run a witness), ``ledger witnesses …`` (the ledger's policy), ``ledger publish``.

A witness (the committee, the court, the press) runs::

    ledger witness init --name press.example/witness --dir press-witness
    ledger witness add-log --dir press-witness --origin ORIGIN --vkey "$(cat keys/log.vkey)"
    ledger witness serve --dir press-witness --port 7001
    ledger witness evidence --dir press-witness
    ledger witness add-rotation --dir press-witness --proof rotation.tlog-proof  # if not presented by `ledger publish`

The ledger's operator names the witnesses and the quorum, then publishes::

    ledger witnesses add press http://127.0.0.1:7001 VKEY --keys keys
    ledger witnesses quorum 2 --keys keys
    ledger publish --db ledger.db --keys keys
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

WitnessDirOption = typer.Option(
    Path("witness"), "--dir", envvar="LEDGER_WITNESS_DIR", help="Witness directory"
)


def register(app: typer.Typer) -> None:
    from cli.shell import (
        DbOption,
        KeysOption,
        PassphraseOption,
        console,
        handles_errors,
        open_ledger,
        output_directory,
    )

    witness_app = typer.Typer(
        help="Run a witness: cosign checkpoints that extend the last one.", no_args_is_help=True
    )
    witnesses_app = typer.Typer(
        help="The witnesses this ledger asks, and the quorum it needs.", no_args_is_help=True
    )
    app.add_typer(witness_app, name="witness")
    app.add_typer(witnesses_app, name="witnesses")

    @witness_app.command("init")
    @handles_errors
    def witness_init(
        name: str = typer.Option(..., "--name", help="Key name, e.g. press.example/witness"),
        directory: Path = WitnessDirOption,
    ) -> None:
        """Create the witness's key pair (private key mode 0600); print its verifier key."""
        from ledger.witnessing.witness import Witness

        witness = Witness.create(output_directory(directory, "--dir"), name)
        console.print(
            f"Witness {name} created in {directory}/; give the ledger this verifier key:",
            highlight=False,
        )
        sys.stdout.write(witness.vkey + "\n")

    @witness_app.command("add-log")
    @handles_errors
    def witness_add_log(
        origin: str = typer.Option(
            ..., "--origin", help="The log's origin (checkpoint first line)"
        ),
        vkey: str = typer.Option(..., "--vkey", help="The log's verifier key (keys/log.vkey)"),
        directory: Path = WitnessDirOption,
    ) -> None:
        """Follow a log: cosign its checkpoints signed by this key."""
        from ledger.witnessing.witness import Witness

        Witness(directory).add_log(origin, vkey.strip())
        console.print(f"Following {origin}", highlight=False)

    @witness_app.command("add-rotation")
    @handles_errors
    def witness_add_rotation(
        proof: Path = typer.Option(
            ...,
            "--proof",
            help="A rotation proof (a C2SP tlog-proof from GET /v1/log-key-rotations)",
        ),
        directory: Path = WitnessDirOption,
    ) -> None:
        """Learn a followed log's new key from its rotation, endorsed by the old key (docs/verify.md)."""
        from ledger.witnessing.witness import Witness

        vkey = Witness(directory).add_key_rotation(proof.read_text("utf-8"))
        console.print(f"The log key is now {vkey}", highlight=False, soft_wrap=True)

    @witness_app.command("serve")
    @handles_errors
    def witness_serve(
        directory: Path = WitnessDirOption,
        host: str = typer.Option("127.0.0.1", help="Address to listen on"),
        port: int = typer.Option(7000, min=0, max=65535, help="Port to listen on"),
        log_level: str = typer.Option("warning", help="uvicorn log level"),
    ) -> None:
        """Serve POST /add-checkpoint (c2sp.org/tlog-witness)."""
        import uvicorn

        from ledger.witnessing.server import WitnessApp
        from ledger.witnessing.witness import Witness

        witness = Witness(directory)  # refuses a state it cannot verify before listening
        uvicorn.run(WitnessApp(witness), host=host, port=port, log_level=log_level)

    @witness_app.command("evidence")
    @handles_errors
    def witness_evidence(
        directory: Path = WitnessDirOption,
        as_json: bool = typer.Option(False, "--json", help="Print as JSON"),
    ) -> None:
        """List the conflicting checkpoints this witness refused, with both signed notes."""
        from dataclasses import asdict

        from ledger.witnessing.witness import Witness

        found = Witness(directory).evidence()
        if as_json:
            sys.stdout.write(json.dumps([asdict(e) for e in found], indent=2) + "\n")
            return
        if not found:
            console.print("No evidence: every checkpoint this witness saw extended the last one.")
        for e in found:
            console.print(f"[bold]#{e.id} {e.kind}[/] {e.origin}: {e.detail}", highlight=False)
            sys.stdout.write(
                f"--- cosigned before ---\n{e.cosigned_note}--- presented ---\n{e.presented_note}\n"
            )

    @witness_app.command("status")
    @handles_errors
    def witness_status(directory: Path = WitnessDirOption) -> None:
        """The logs this witness follows and the latest size it cosigned for each."""
        from ledger.witnessing.witness import Witness

        witness = Witness(directory)
        console.print(f"{witness.name}: {witness.vkey}", highlight=False, soft_wrap=True)
        for origin in witness.logs():
            state = witness.state(origin)
            console.print(
                f"  {origin}: cosigned up to size {state.size if state else 0}", highlight=False
            )

    @witnesses_app.command("add")
    @handles_errors
    def witnesses_add(
        name: str = typer.Argument(..., help="Label, e.g. press"),
        url: str = typer.Argument(..., help="Submission prefix, e.g. http://127.0.0.1:7001"),
        vkey: str = typer.Argument(..., help="The witness's verifier key"),
        keys: Path = KeysOption,
    ) -> None:
        """Ask this witness to cosign every published checkpoint."""
        from ledger.witnessing.policy import WitnessEntry, load_policy, save_policy

        policy = load_policy(keys).with_witness(WitnessEntry(name, url, vkey.strip()))
        path = save_policy(keys, policy)
        console.print(
            f"{len(policy.witnesses)} witnesses, quorum {policy.quorum} ({path})", highlight=False
        )

    @witnesses_app.command("quorum")
    @handles_errors
    def witnesses_quorum(
        n: int = typer.Argument(..., help="Cosignatures needed to publish"), keys: Path = KeysOption
    ) -> None:
        """How many witnesses must cosign before a checkpoint is published."""
        from ledger.witnessing.policy import load_policy, save_policy

        policy = load_policy(keys).with_quorum(n)
        save_policy(keys, policy)
        console.print(
            f"Quorum {policy.quorum} of {len(policy.witnesses)} witnesses", highlight=False
        )

    @witnesses_app.command("list")
    @handles_errors
    def witnesses_list(keys: Path = KeysOption, db: str = DbOption) -> None:
        """The witnesses, the quorum, and the latest published (cosigned) checkpoint."""
        from ledger.witnessing.published import witness_summary

        with open_ledger(db) as ledger:
            summary = witness_summary(keys, ledger)
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")

    @app.command("publish")
    @handles_errors
    def publish_command(
        db: str = DbOption,
        keys: Path = KeysOption,
        passphrase_env: str | None = PassphraseOption,
        timeout: float = typer.Option(10.0, help="Seconds to wait for each witness"),
    ) -> None:
        """Sign a checkpoint, have the witnesses cosign it, publish it once the quorum has."""
        from ledger.errors import QuorumNotReached
        from ledger.witnessing.cosigning import publish
        from ledger.witnessing.policy import load_policy

        with open_ledger(db, keys, passphrase_env) as ledger:
            try:
                result = publish(ledger, load_policy(keys), timeout=timeout)
            except QuorumNotReached as exc:
                for answer in exc.publication.answers:  # type: ignore[attr-defined]
                    console.print(
                        f"  {answer.witness.name}: {answer.problem or 'cosigned'}", highlight=False
                    )
                raise
        console.print(
            f"Published checkpoint {result.size}, cosigned by {', '.join(result.cosigned_by) or 'earlier witnesses'}"
            f" (quorum {result.quorum})",
            highlight=False,
        )
        sys.stdout.write(result.note or "")
