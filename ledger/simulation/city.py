"""The synthetic city's cast: areas, armed groups, officers and people.

Everything here is fictional but plausible for Karachi: the areas and police
stations are real places, the groups, parties and people are invented. Public
facts (pseudonyms, areas, group names) go in public data; names, CNIC-like
identity numbers, addresses and badge numbers go only in sealed parts, and the
simulator remembers each of those sealed strings so tests can prove none of
them leaks into the public log.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ledger.errors import InvalidArgument

AREAS: dict[str, tuple[str, ...]] = {
    "Lyari": ("Chakiwara police station", "Kalakot police station"),
    "Orangi": ("Pakistan Bazaar police station", "Orangi Town police station"),
    "Korangi": ("Korangi Industrial Area police station", "Zaman Town police station"),
    "Landhi": ("Landhi police station", "Sharafi Goth police station"),
    "Malir": ("Malir City police station", "Saudabad police station"),
    "Baldia": ("Saeedabad police station", "Baldia police station"),
    "Kemari": ("Docks police station", "Jackson police station"),
    "Gulshan-e-Iqbal": ("Gulshan-e-Iqbal police station", "Aziz Bhatti police station"),
    "Saddar": ("Preedy police station", "Artillery Maidan police station"),
    "Liaquatabad": ("Liaquatabad police station", "Sharifabad police station"),
}
HOSPITALS = (
    "Civil Hospital Karachi",
    "Jinnah Postgraduate Medical Centre",
    "Abbasi Shaheed Hospital",
)
PRISONS = ("Central Prison Karachi", "District Prison Malir")

# (slug, public name, kind, area, affiliation): fictional organisations.
GROUP_PROFILES: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("lyari-youth-front", "Lyari Youth Front", "criminal_gang", "Lyari", None),
    (
        "orangi-town-committee",
        "Orangi Town Committee",
        "political_wing",
        "Orangi",
        "Awami Haqooq Party",
    ),
    ("korangi-bhai-log", "Korangi Bhai Log", "criminal_gang", "Korangi", None),
    ("landhi-defence-league", "Landhi Defence League", "ethnic", "Landhi", None),
    ("malir-kachhi-ittehad", "Malir Kachhi Ittehad", "ethnic", "Malir", None),
    ("baldia-sipah", "Sipah-e-Baldia", "sectarian", "Baldia", None),
    ("kemari-dock-gang", "Kemari Dock Gang", "criminal_gang", "Kemari", None),
    (
        "gulshan-students-wing",
        "Gulshan Students Wing",
        "political_wing",
        "Gulshan-e-Iqbal",
        "Qaumi Inqilab Tehreek",
    ),
    ("saddar-traders-guard", "Saddar Traders Guard", "other", "Saddar", None),
    (
        "liaquatabad-tanzeem",
        "Liaquatabad Tanzeem",
        "political_wing",
        "Liaquatabad",
        "Muttahida Shehri Mahaz",
    ),
)
FAVOURED_GROUP = "orangi-town-committee"
"""The group whose party sits in the provincial government: the planted favouritism."""

FIRST_NAMES = (
    "Muhammad",
    "Ahmed",
    "Ali",
    "Hassan",
    "Bilal",
    "Imran",
    "Kashif",
    "Faisal",
    "Zubair",
    "Asif",
    "Nadeem",
    "Rashid",
    "Sajid",
    "Waqas",
    "Shahid",
    "Tariq",
    "Yasir",
    "Junaid",
    "Kamran",
    "Arif",
    "Irfan",
    "Naveed",
    "Salman",
    "Owais",
    "Danish",
    "Adnan",
    "Farhan",
    "Rizwan",
    "Usman",
    "Zeeshan",
)
SURNAMES = (
    "Baloch",
    "Khan",
    "Qureshi",
    "Siddiqui",
    "Memon",
    "Shaikh",
    "Pathan",
    "Abbasi",
    "Rajput",
    "Ansari",
    "Mughal",
    "Jatoi",
    "Kachhi",
    "Solangi",
    "Brohi",
    "Rind",
    "Hashmi",
    "Zaidi",
    "Niazi",
    "Chandio",
)
STREET_WORDS = ("Gali", "Lane", "Street", "Mohalla")
RANKS = ("Inspector", "Sub-Inspector", "Assistant Sub-Inspector", "Deputy Superintendent")


@dataclass
class GroupProfile:
    slug: str
    name: str
    kind: str
    area: str
    affiliation: str | None
    members: list[str] = field(default_factory=list)

    def public(self) -> dict[str, str]:
        return {"group": self.slug, "name": self.name, "area": self.area, "kind": self.kind}


@dataclass
class OfficerProfile:
    ref: str
    rank: str
    station: str
    area: str
    last_arrest: float = -1e18  # seconds since the start; none yet
    transfer_pending: bool = False


class Cast:
    """Makes up people and officers, remembering every sealed string it invents."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.sealed_values: list[str] = []
        self._persons = 0
        self._officers = 0
        self._ids: set[str] = set()

    def groups(self, count: int) -> list[GroupProfile]:
        if not 1 <= count <= len(GROUP_PROFILES):
            raise InvalidArgument(
                f"the city has room for 1 to {len(GROUP_PROFILES)} groups; got {count}",
                field="--groups",
            )
        chosen = list(GROUP_PROFILES[:count])
        if count >= 2 and all(g[0] != FAVOURED_GROUP for g in chosen):
            chosen[1] = next(g for g in GROUP_PROFILES if g[0] == FAVOURED_GROUP)
        return [GroupProfile(*g) for g in chosen]

    def _remember(self, *values: str) -> None:
        self.sealed_values.extend(values)

    def _name(self) -> str:
        r = self.rng
        return f"{r.choice(FIRST_NAMES)} {r.choice(FIRST_NAMES)} {r.choice(SURNAMES)}"

    def _id_number(self) -> str:
        while True:
            r = self.rng
            text = f"42{r.randint(101, 501)}-{r.randint(1000000, 9999999)}-{r.randint(1, 9)}"
            if text not in self._ids:
                self._ids.add(text)
                return text

    def person(self, area: str) -> tuple[str, dict[str, str], int]:
        """A new pseudonym, its sealed details and a birth year."""
        self._persons += 1
        ref = f"P-{self._persons:05d}"
        r = self.rng
        sealed = {
            "name": self._name(),
            "id_number": self._id_number(),
            "address": f"House {r.randint(1, 999)}-{r.choice('ABCDEFGH')}, {r.choice(STREET_WORDS)}"
            f" {r.randint(1, 60)}, Sector {r.randint(1, 16)}, {area}, Karachi",
        }
        self._remember(*sealed.values())
        return ref, sealed, r.randint(1975, 2006)

    def officer(self, area: str) -> tuple[OfficerProfile, dict[str, str]]:
        self._officers += 1
        r = self.rng
        profile = OfficerProfile(
            ref=f"O-{self._officers:03d}",
            rank=r.choice(RANKS),
            station=r.choice(AREAS[area]),
            area=area,
        )
        sealed = {
            "name": self._name(),
            "badge_number": f"KHI-{r.randint(10000, 99999)}-{self._officers:03d}",
        }
        self._remember(*sealed.values())
        return profile, sealed

    def secret(self, text: str) -> str:
        """Remember any other sealed string (an official's name, a witness)."""
        self._remember(text)
        return text

    def official_name(self) -> str:
        return self.secret(f"{self.rng.choice(('Mr.', 'Syed', 'Chaudhry', 'Mian'))} {self._name()}")
