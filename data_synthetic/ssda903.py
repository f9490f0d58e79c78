"""The care histories as an SSDA903 (children looked after) return: episodes and header files.

The evaluator of an edge-of-care service gets care histories as the council's SSDA903 return
(DfE, "Children looked after return 2023 to 2024: guidance" and its technical specification):

- **episodes**: ``CHILD, DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER, DEC, REC,
  REASON_PLACE_CHANGE, HOME_POST, PL_POST, URN``; one row per episode; a new episode starts
  whenever the legal status or placement changes (``RNE`` ``L``, ``P`` or ``B``; ``S`` when the
  child starts to be looked after); an episode followed by another the same day has ``REC``
  ``X1``; an open episode has blank ``DEC`` and ``REC``;
- **header**: ``CHILD, SEX, DOB, ETHNIC, UPN, MOTHER, MC_DOB``; one row per child in episodes.

Dates are ``dd/mm/yyyy``. ``CHILD`` is the extract's ``child_id`` so an import can be compared
with ``care_episodes.csv``. Postcodes are synthetic outward codes (two letters from the
district, a number), never real addresses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EPISODE_COLUMNS = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                   "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"]
HEADER_COLUMNS = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
# Contract ethnic groups → SSDA903 (DfE) ethnicity codes, with their shares within the group.
ETHNIC_CODES = {
    "white": {"WBRI": 0.90, "WOTH": 0.07, "WIRI": 0.03},
    "mixed": {"MWBC": 0.40, "MWAS": 0.30, "MWBA": 0.15, "MOTH": 0.15},
    "asian": {"APKN": 0.55, "AIND": 0.25, "ABAN": 0.10, "AOTH": 0.10},
    "black": {"BAFR": 0.55, "BCRB": 0.30, "BOTH": 0.15},
    "other": {"OOTH": 0.80, "CHNE": 0.20},
    "not_known": {"NOBT": 1.0},
}
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # the DfE's check-letter alphabet (no I, O, S)


def uk_dates(values: np.ndarray) -> np.ndarray:
    """``dd/mm/yyyy`` text for day values; blank for missing."""
    days = np.asarray(values, dtype="datetime64[D]")
    missing = np.isnat(days)
    iso = np.datetime_as_string(np.where(missing, np.datetime64("2000-01-01", "D"), days), unit="D").astype("<U10")
    chars = iso.view("<U1").reshape(-1, 10)  # the characters of YYYY-MM-DD, rearranged below
    out = np.empty_like(chars)
    out[:, 0:2], out[:, 2], out[:, 3:5], out[:, 5], out[:, 6:10] = chars[:, 8:10], "/", chars[:, 5:7], "/", chars[:, 0:4]
    text = out.reshape(-1).view("<U10").astype(object)
    text[missing] = ""
    return text


def episodes_file(rows: pd.DataFrame, children: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The episodes file for the episode rows of :func:`data_synthetic.histories.council_rows`.

    ``children`` gives each ``child_id``'s ``district`` (for the home postcode).
    """
    ids = rows["child_id"].to_numpy().astype(str)
    district = rows["child_id"].map(children.drop_duplicates("child_id").set_index("child_id")["district"]).fillna("ZZ").astype(str).to_numpy()
    names = np.unique(district)
    letters = np.array([_letters(d) for d in names], dtype=object)[np.searchsorted(names, district)] if len(rows) else np.zeros(0, object)
    # one home postcode per child, whatever the row: a number from the child's rank among ids
    home = letters + (np.searchsorted(np.unique(ids), ids) % 29 + 1).astype(str)
    provider = rows["_provider"].to_numpy()
    out_of_area = np.isin(provider, ["PR2", "PR4", "PR5"]) & (rng.random(len(rows)) < 0.5)
    placed = np.where(out_of_area, "ZX", letters) + rng.integers(1, 30, len(rows)).astype(str)
    return pd.DataFrame({
        "CHILD": rows["child_id"].to_numpy(),
        "DECOM": uk_dates(rows["start_date"].to_numpy("datetime64[D]")),
        "RNE": rows["_rne"].to_numpy(),
        "LS": rows["legal_status"].to_numpy(),
        "CIN": rows["_cin"].to_numpy(),
        "PLACE": rows["_place"].to_numpy(),
        "PLACE_PROVIDER": provider,
        "DEC": uk_dates(rows["end_date"].to_numpy("datetime64[D]")),
        "REC": rows["_rec"].fillna("").to_numpy(),
        "REASON_PLACE_CHANGE": rows["_reason_change"].fillna("").to_numpy(),
        "HOME_POST": home,
        "PL_POST": placed,
        "URN": rows["_urn"].to_numpy(),
    }, columns=EPISODE_COLUMNS)


def header_file(rows: pd.DataFrame, children: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One header row per child in the episodes: sex (1 male, 2 female), DOB, ethnicity, UPN.

    SSDA903 records sex as 1 or 2 only: a child recorded as ``other`` or ``not_known`` in the
    contract extract is given one at random. ``MOTHER`` is 0 for girls (none is a mother here)
    and blank for boys; ``MC_DOB`` is blank.
    """
    ids = pd.unique(rows.sort_values(["child_id"], kind="stable")["child_id"].to_numpy())
    c = children.drop_duplicates("child_id").set_index("child_id").loc[ids]
    sex = c["sex"].to_numpy().astype(str)
    code = np.where(sex == "male", "1", np.where(sex == "female", "2", np.where(rng.random(len(c)) < 0.5, "1", "2")))
    eth = c["ethnicity"].fillna("not_known").to_numpy().astype(str)
    ethnic = np.empty(len(c), dtype=object)
    for group, shares in ETHNIC_CODES.items():
        sel = np.flatnonzero(eth == group)
        keys = list(shares)
        ethnic[sel] = np.array(keys, dtype=object)[rng.choice(len(keys), size=len(sel), p=np.array(list(shares.values())))]
    ethnic[pd.isna(ethnic)] = "NOBT"
    return pd.DataFrame({
        "CHILD": ids,
        "SEX": code,
        "DOB": uk_dates(c["date_of_birth"].to_numpy("datetime64[D]")),
        "ETHNIC": ethnic,
        "UPN": upns(rng.integers(800, 940, len(c)), rng.integers(2000, 7999, len(c)), rng.integers(5, 24, len(c)), rng.integers(0, 1000, len(c))),
        "MOTHER": np.where(code == "2", "0", ""),
        "MC_DOB": "",
    }, columns=HEADER_COLUMNS)


def upn(la: int, school: int, year: int, serial: int) -> str:
    """A unique pupil number in the DfE's format: check letter, LA, establishment, year, serial.

    The check letter is the sum of each of the 12 digits times its position (2 to 13), modulo
    23, as a letter of :data:`UPN_LETTERS` (DfE, "Unique pupil numbers (UPN)" guidance).
    """
    digits = f"{la:03d}{school:04d}{year:02d}{serial:03d}"
    total = sum(int(d) * w for d, w in zip(digits, range(2, 14)))
    return UPN_LETTERS[total % 23] + digits


def upns(la: np.ndarray, school: np.ndarray, year: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """:func:`upn` for arrays (the check letter computed with NumPy)."""
    number = ((la.astype(np.int64) * 10_000 + school) * 100 + year) * 1_000 + serial  # the 12 digits
    digits = (number[:, None] // 10 ** np.arange(11, -1, -1)) % 10
    letter = np.array(list(UPN_LETTERS))[(digits * np.arange(2, 14)).sum(axis=1) % 23]
    return np.array([f"{a}{n:012d}" for a, n in zip(letter.tolist(), number.tolist())], dtype=object)


def _letters(district: str) -> str:
    """Two letters of a synthetic outward postcode from the district's name."""
    return "".join(ch for ch in district.upper() if ch.isalpha())[:2].ljust(2, "Z")


def as_text(frame: pd.DataFrame) -> str:
    """CSV text with ``\\n`` line endings (every column is already text)."""
    return frame.to_csv(index=False, lineterminator="\n")
