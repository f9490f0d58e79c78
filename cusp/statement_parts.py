"""The payments statement's sections that depend on the contract's payment mechanism.

``notebooks/payments_statement.ipynb`` shows the same opening (summary, contents, payments due
by quarter) and closing (reforecast, figures for other tools) for every contract; between them
:func:`mechanism_parts` gives the sections the mechanism has, each a :class:`Part` (a ``##``
heading with the anchor the contents link to, a line saying what it shows, tables and charts):

- **SIB** (004): what the caps cut, children at each status, one child's stability timeline
  (restricted folder), the leading indicators of 004 §8.3.2 with the RAG chart;
- **block** (002, 003): the schedule, paid to date and still to pay, by contract year;
- **payment by results** (000): up-front payments by area and contract year; families paid, not
  achieved (with the conditions missed), not yet due and capped; the pooled 40% by contract year;
- **KPI-linked** (001): instalments by envelope and contract year; the year-end KPI
  reconciliation by envelope; the gain share.

Sections a mechanism does not have are left out (child timelines and leading indicators are the
bond's), and :func:`mechanism_points` gives the summary's sentences for it. Money is in pounds; a
count of children or families goes through the disclosure policy; money paid for the contract
as a whole (block, up-front, instalments, KPI year-end payments) rests on no count and is shown.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from evaluation.disclosure import get_policy

from . import presentation as pr
from . import report_tables as rt
from .presentation.tables import slug

__all__ = ["Part", "Statement", "statement", "paid_column", "mechanism_parts", "mechanism_points", "block_schedule_table", "pbr_upfront_table", "pbr_family_table",
           "pbr_reasons_table", "pbr_pool_table", "kpi_instalment_table", "kpi_reconciliation_table", "kpi_gain_table",
           "UNMEASURED_NOTE"]

ENVELOPE = {"ecc": "ECC envelope", "west_ccg": "West CCG envelope"}
UNMEASURED_NOTE = ("{kpis}: not measured from a case-level extract ({why}), so each year's KPI results lack "
                   "{it} and the settlement reads {it} as not met: {its} weight ({weight} of the KPI weight) of the "
                   "at-risk money is withheld.")


@dataclass
class Part:
    """One ``##`` section: heading (its anchor is the contents' link), intro line, HTML items."""

    heading: str
    intro: str = ""
    items: list[str] = field(default_factory=list)

    def _repr_html_(self) -> str:
        head = f'<h2 id="{html.escape(slug(self.heading), quote=True)}">{html.escape(self.heading)}</h2>'
        intro = f"<p>{html.escape(self.intro)}</p>" if self.intro else ""
        return head + intro + "".join(self.items)


def _html(obj: Any) -> str:
    return obj.data if hasattr(obj, "data") else str(obj)


def _money_frame(df: pd.DataFrame, caption: str, formats: dict[str, str] | None = None) -> str:
    """A table of contract-level money (no count of people under it), published as it is.

    Cells are formatted by :func:`cusp.presentation.tables.frame` (£ with separators, % to one
    decimal); the table is marked as through disclosure control (class ``cusp-disclosed``) with
    no count cells, because no cell counts children or families.
    """
    text = pr.frame(df, formats)
    head = "".join(f"<th>{html.escape(c[:1].upper() + c[1:])}</th>" for c in text.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>" for r in text.itertuples(index=False))
    return (f'<p class="cusp-caption">{html.escape(caption)}</p><table class="cusp-disclosed">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")


def paid_column(scenario: Any) -> str:
    """The money tables' count column: ``families paid`` under payment by results (it pays per
    family), else ``children paid``."""
    return "families paid" if scenario.payment.kind == "payment_by_results" else "children paid"


def _n(pol: Any, x: Any) -> str:
    """A count as published under ``pol``: rounded with separators, or the policy's symbol."""
    v = pol.count(int(x))
    return f"{v:,}" if isinstance(v, (int, float)) else str(v)


def _year(y: Any) -> str:
    return f"Year {int(y)}"


# --------------------------------------------------------------------------- block contracts

def block_schedule_table(scenario: Any, payments: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """A block contract's schedule by contract year: instalments, £ paid to date, £ still to pay.

    The full schedule is the settlement as of the contract's last day
    (:func:`simulate.payments.settle.block_schedule`); ``payments`` is the one as of ``as_of``.
    Index ``contract year`` (``Year N``, then ``Total``); columns ``instalments paid``,
    ``instalments in the year``, ``paid to date (£)``, ``still to pay (£)``, ``year's value (£)``.
    """
    from simulate.payments.settle import block_schedule

    full = block_schedule(scenario, scenario.horizon.contract_end).payments
    start = pd.Timestamp(scenario.horizon.start_date)

    def years(frame: pd.DataFrame) -> pd.Series:
        months = (pd.to_datetime(frame["due_date"]).dt.year - start.year) * 12 + pd.to_datetime(frame["due_date"]).dt.month - start.month
        return months // 12 + 1

    f = full.assign(y=years(full))
    p = payments.assign(y=years(payments)) if len(payments) else payments.assign(y=pd.Series(dtype=int))
    table = pd.DataFrame({"instalments paid": p.groupby("y").size(), "instalments in the year": f.groupby("y").size(),
                          "paid to date (£)": p.groupby("y")["amount"].sum(), "year's value (£)": f.groupby("y")["amount"].sum()})
    table = table.reindex(sorted(f["y"].unique())).fillna(0.0)
    table["still to pay (£)"] = table["year's value (£)"] - table["paid to date (£)"]
    table.loc["Total"] = table.sum()
    table.index = [_year(y) if y != "Total" else y for y in table.index]
    table.index.name = "contract year"
    for c in ("instalments paid", "instalments in the year"):
        table[c] = table[c].astype(int)
    return table[["instalments paid", "instalments in the year", "paid to date (£)", "still to pay (£)", "year's value (£)"]]


def _block_parts(scenario: Any, payments: pd.DataFrame, as_of: dt.date) -> list[Part]:
    mech = scenario.payment
    table = block_schedule_table(scenario, payments, as_of)
    intro = (f"A block contract: {pr.gbp(mech.annual_value_gbp)} a year, paid in equal {mech.payment_schedule} instalments in "
             "advance for each contract year of referrals, whatever the number of families served. Its cost per family "
             "depends on how many are served, which the reforecast below projects.")
    return [Part("Schedule: paid to date and still to pay", intro,
                 [_money_frame(table, f"Block payments by contract year, to {as_of:%d %B %Y} and after (£)")])]


# --------------------------------------------------------------------------- payment by results

def pbr_upfront_table(payments: pd.DataFrame) -> pd.DataFrame:
    """Up-front payments due to date (£) by area (rows, then ``Total``) and contract year (columns)."""
    up = payments[payments["metric"] == "upfront"]
    table = up.pivot_table(index="district", columns="contract_year", values="amount", aggfunc="sum", fill_value=0.0)
    table.columns = [f"{_year(c)} (£)" for c in table.columns]
    table.loc["Total"] = table.sum()
    table.index.name = "district"
    return table


def pbr_family_table(audit: pd.DataFrame, policy: str):
    """Families by status of the per-family payment, with the £ paid: a disclosed table.

    Rows: ``paid``, ``capped``, ``not achieved``, ``not yet due``, ``not eligible`` (those present);
    columns ``families`` (a count through the policy) and ``£ paid`` (suppressed with its count).
    """
    fam = audit[audit["metric"] == "family_outcome"]
    order = [s for s in ("paid", "capped", "not achieved", "not yet due", "not eligible") if s in set(fam["status"])]
    table = pd.DataFrame({"families": fam.groupby("status").size(), "£ paid": fam.groupby("status")["amount"].sum()}).reindex(order)
    table.index = [s[:1].upper() + s[1:] for s in table.index]
    table.index.name = "Status"
    return rt.kpi_table(table.fillna(0.0), policy, guards=[(None, "families")], derived=["£ paid"], formats={"£ paid": "gbp"})


def pbr_reasons_table(audit: pd.DataFrame, policy: str):
    """Families whose support ended without the payment, by condition not met (a family can miss several).

    Reads the audit's reasons (``ended DATE: condition; condition``); counts through the policy.
    """
    fam = audit[(audit["metric"] == "family_outcome") & (audit["status"] == "not achieved")]
    reasons = fam["reason"].astype(str).str.replace(r"^ended \d{4}-\d\d-\d\d:?\s*", "", regex=True).str.split("; ").explode()
    counts = reasons[reasons.str.len() > 0].value_counts()
    counts.index = [c[:1].upper() + c[1:] for c in counts.index]
    frame = counts.rename_axis("Condition not met").to_frame("families")
    return rt.count_table(frame, policy, total_row=False, total_column=False)


def pbr_pool_table(scenario: Any, payments: pd.DataFrame, audit: pd.DataFrame) -> pd.DataFrame:
    """The pooled per-family budget by contract year: its £, £ due to date, £ cut by the cap, % used.

    The pool is ``1 − upfront_share`` (40%) of the summed area values each contract year
    (000 Appendix 1; :mod:`simulate.payments.pbr`). Index ``contract year``.
    """
    mech = scenario.payment
    pool = sum(d.annual_value_gbp or 0.0 for d in scenario.districts) * (1.0 - mech.upfront_share)
    years = max(1, -(-scenario.horizon.referral_months // 12))
    fam = payments[payments["metric"] == "family_outcome"]
    paid = fam.groupby("contract_year")["amount"].sum().reindex(range(1, years + 1), fill_value=0.0)
    cut = pd.Series(0.0, index=paid.index)
    if "capped_gbp" in audit and "due_date" in audit and len(audit):
        capped = audit[(audit["metric"] == "family_outcome") & (audit["capped_gbp"] > 0)]
        if len(capped):  # the year a capped payment would have counted against (due date; the last year at most)
            due, start = pd.to_datetime(capped["due_date"]), pd.Timestamp(scenario.horizon.start_date)
            year = (((due.dt.year - start.year) * 12 + due.dt.month - start.month) // 12 + 1).clip(1, years)
            cut = capped.groupby(year.to_numpy())["capped_gbp"].sum().reindex(paid.index, fill_value=0.0)
    table = pd.DataFrame({"pooled budget (£)": pool, "due to date (£)": paid.to_numpy(), "cut by the cap (£)": cut.to_numpy()},
                         index=[_year(y) for y in paid.index])
    table["budget used (%)"] = table["due to date (£)"] / pool if pool > 0 else float("nan")
    table.index.name = "contract year"
    return table


def _pbr_parts(scenario: Any, payments: pd.DataFrame, audit: pd.DataFrame, as_of: dt.date, policy: str) -> list[Part]:
    mech = scenario.payment
    up_share = pr.pct(mech.upfront_share, 0)
    pool_share = pr.pct(1.0 - mech.upfront_share, 0)
    return [
        Part("Up-front payments", f"Each area is paid {up_share} of its annual value every contract year "
             f"({pr.label(mech.upfront_schedule, capital=False)}), whatever its families achieve.",
             [_money_frame(pbr_upfront_table(payments), f"Up-front payments due to {as_of:%d %B %Y}, by area and contract year (£)")]),
        Part("Families paid, not achieved and capped", f"The other {pool_share} is paid per family that completes support with "
             "all three conditions met (a jointly agreed action plan, outcomes agreed achieved at exit, notable progress on the "
             "self-assessment), quarterly in arrears. A family counts once per referral; counts are published through the "
             "disclosure policy.",
             [_html(pr.disclosed(pbr_family_table(audit, policy), "Families by status of the per-family payment")),
              _html(pr.disclosed(pbr_reasons_table(audit, policy), "Families not paid: the conditions they did not meet"))]),
        Part(f"The pooled {pool_share}", f"The {pool_share} is one budget for all areas each contract year (000 §3.1): families "
             "are paid in due-date order until it is used, and the rest are capped.",
             [_money_frame(pbr_pool_table(scenario, payments, audit), f"The pooled per-family budget by contract year, to {as_of:%d %B %Y}",
                           {"budget used (%)": "share"})]),
    ]


# --------------------------------------------------------------------------- KPI-linked

def kpi_instalment_table(payments: pd.DataFrame) -> pd.DataFrame:
    """Instalments due to date (£) by contract year (rows, then ``Total``) and envelope (columns)."""
    inst = payments[payments["metric"] == "instalment"]
    table = inst.pivot_table(index="contract_year", columns="envelope", values="amount", aggfunc="sum", fill_value=0.0)
    table.columns = [f"{ENVELOPE.get(c, pr.label(c))} (£)" for c in table.columns]
    table.index = [_year(y) for y in table.index]
    if len(table):
        table.loc["Total"] = table.sum()
    table.index.name = "contract year"
    return table


def kpi_reconciliation_table(reconciliation: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The year-end KPI reconciliation of the at-risk money, by envelope and contract year.

    Rows: contract years ended by ``as_of`` whose envelope has money at risk (a year still open
    is not reconciled, whatever an extract taken later says). Columns ``envelope``, ``year
    ended``, ``at risk (£)``, ``KPIs met``, ``KPI weight met (%)``, ``earned (£)``, ``withheld (£)``.
    """
    r = reconciliation[(reconciliation["at_risk"] > 0) & (pd.to_datetime(reconciliation["year_end"]).dt.date <= as_of)]
    met = [", ".join(pr.label(k.strip()) for k in str(m).split(",") if k.strip()) or "none" for m in r["kpis_met"]]
    ended = pd.to_datetime(r["year_end"])
    return pd.DataFrame({
        "envelope": [ENVELOPE.get(e, pr.label(e)) for e in r["envelope"]],
        "year ended": [f"{d:%d %b %Y}" for d in ended],
        "at risk (£)": r["at_risk"].to_numpy(), "KPIs met": met, "KPI weight met (%)": r["weight_met"].to_numpy(),
        "earned (£)": r["kpi_payment"].to_numpy(), "withheld (£)": r["withheld"].to_numpy(),
    }, index=pd.Index([_year(y) for y in r["contract_year"]], name="contract year"))


def kpi_gain_table(reconciliation: pd.DataFrame, as_of: dt.date) -> pd.DataFrame | None:
    """The gain share of each envelope and contract year ended by ``as_of`` with spend reported (None without spend)."""
    r = reconciliation[reconciliation["spend"].notna() & (pd.to_datetime(reconciliation["year_end"]).dt.date <= as_of)]
    if r.empty:
        return None
    return pd.DataFrame({
        "envelope": [ENVELOPE.get(e, pr.label(e)) for e in r["envelope"]],
        "paid (£)": r["total_due"].to_numpy(), "provider spend (£)": r["spend"].astype(float).to_numpy(),
        "gain after planned efficiency (£)": r["gain"].to_numpy(), "retained by the provider (£)": r["provider_gain"].to_numpy(),
        "returned to the commissioner (£)": r["commissioner_gain"].to_numpy(),
    }, index=pd.Index([_year(y) for y in r["contract_year"]], name="contract year"))


def _unmeasured(scenario: Any, kpi_results: pd.DataFrame | None) -> str:
    """The sentence on KPIs without results (absent from ``kpi_results.csv``), or ''."""
    from .synthetic_kpis import NOT_MEASURABLE, unmeasured_targets

    reported = set(kpi_results["kpi"].astype(str)) if kpi_results is not None and len(kpi_results) else set()
    gone = [n for n in unmeasured_targets(scenario) if n not in reported]
    if not gone or kpi_results is None or not len(kpi_results):
        return ""
    weights = scenario.payment.kpi_weights
    one = len(gone) == 1
    return UNMEASURED_NOTE.format(kpis=", ".join(pr.label(g) for g in gone), why=NOT_MEASURABLE, it="it" if one else "them",
                                  its="its" if one else "their", weight=pr.pct(sum(weights.get(g, 0.0) for g in gone), 0))


def _kpi_parts(scenario: Any, payments: pd.DataFrame, reconciliation: pd.DataFrame | None, frames: dict, as_of: dt.date) -> list[Part]:
    mech = scenario.payment
    rec = reconciliation if reconciliation is not None else pd.DataFrame(columns=["at_risk", "spend", "year_end"])
    parts = [Part("Instalments", f"Each envelope's value not at risk is paid in equal {mech.payment_schedule} instalments in advance "
                  f"through the contract year; from year {mech.at_risk_from_year}, {pr.pct(mech.at_risk_share, 0)} of the ECC "
                  "envelope waits for the year-end KPI reconciliation (001 L383).",
                  [_money_frame(kpi_instalment_table(payments), f"Instalments due to {as_of:%d %B %Y}, by contract year and envelope (£)")])]
    weights = ", ".join(f"{pr.label(k)} {pr.pct(v, 0)}" for k, v in mech.kpi_weights.items())
    note = _unmeasured(scenario, frames.get("kpi_results.csv"))
    recon = kpi_reconciliation_table(rec, as_of) if len(rec) else None
    items = [_money_frame(recon, f"Year-end KPI reconciliation of the money at risk, contract years ended by {as_of:%d %B %Y}",
                          {"KPI weight met (%)": "share"})] if recon is not None and len(recon) else \
        [f"<p>No contract year with money at risk ended by {as_of:%d %B %Y} with KPI results reported.</p>"]
    years = max(1, -(-scenario.horizon.referral_months // 12))
    done = 0 if recon is None else len(set(recon.index))
    first_open = max(mech.at_risk_from_year, done + mech.at_risk_from_year)
    if first_open <= years:
        at_risk = (mech.annual_value_gbp - mech.west_ccg_annual_value_gbp) * mech.at_risk_share
        items.append(f"<p>Contract years {first_open} to {years} end after the settlement date: {html.escape(pr.gbp(at_risk))} "
                     "a year is at risk in each, reconciled when the year ends (the reforecast below projects it).</p>")
    if note:
        items.append(f"<p>{html.escape(note)}</p>")
    parts.append(Part("Year-end KPI reconciliation", f"Each KPI met earns its weight of the year's money at risk ({weights}); "
                      "the rest is withheld.", items))
    gain = kpi_gain_table(rec, as_of) if len(rec) else None
    share = pr.pct(mech.gain_share_provider, 0)
    parts.append(Part("Gain share", f"Each envelope's underspend beyond the planned efficiency ({pr.pct(mech.planned_efficiency_share, 0)} "
                      f"of its value) is shared {share} to the provider (001 L388).",
                      [_money_frame(gain, "Gain share by contract year and envelope (£)")] if gain is not None else
                      ["<p>No provider spend is reported (no spend.csv), so no gain share is worked out.</p>"]))
    return parts


# --------------------------------------------------------------------------- the bond

def _sib_parts(scenario: Any, result: Any, frames: dict, audit: pd.DataFrame, as_of: dt.date, policy: str,
               results_path: str, indicators: Any, rag_chart: str) -> list[Part]:
    from . import payments_report as pay
    from .statement_sib import child_timeline

    caps = pay.caps_table(audit, policy)
    status = pay.status_table(audit, policy)
    child_timeline(scenario, frames, result, as_of, results_path)
    return [
        Part("What the caps cut", "Caps apply in due-date order; a capped line's reason names the cap and the £ it removed.",
             [_html(pr.disclosed(caps, "Payment lines cut by caps, and the £ cut"))]),
        Part("Children at each status", "One row per payment line: how many cases are paid, not yet due, not achieved, not "
             "eligible, stopped, failed or capped.", [_html(pr.disclosed(status, "Cases by payment line and status"))]),
        Part("One child's stability timeline", "One child's dates are not published. The chart of a child whose tariff was "
             "interrupted by a spell, and the payment audit the commissioner uses to check the invoice, are written to the "
             "folder restricted-internal-use in the report folder, for internal use only."),
        Part("Leading indicators (004 §8.3.2)", "Referrals against plan, the proportion accepted, the children past their "
             "milestone date who did not reach it, and a RAG rating of stability per child (red: milestone missed, tracking "
             "stopped or failed; amber: a spell since tracking started; green: home every day since).",
             [_html(pr.disclosed(indicators, "Leading indicators (004 §8.3.2)")), rag_chart]),
    ]


def mechanism_parts(scenario: Any, result: Any, reconciliation: pd.DataFrame | None, frames: dict, as_of: dt.date,
                    policy: str, results_path: str = "results.json", sib_indicators: tuple[Any, str] | None = None) -> list[Part]:
    """The sections of the statement that belong to the scenario's payment mechanism, in order.

    ``sib_indicators``: the bond's (indicator table, RAG chart) when already worked out
    (:func:`cusp.statement_sib.indicators_and_rag`).
    """
    kind = scenario.payment.kind
    if kind == "sib_edge_of_care":
        from .statement_sib import indicators_and_rag

        ind, chart = sib_indicators or indicators_and_rag(scenario, frames, result, as_of, policy)
        return _sib_parts(scenario, result, frames, result.audit, as_of, policy, results_path, ind, chart)
    if kind == "block":
        return _block_parts(scenario, result.payments, as_of)
    if kind == "payment_by_results":
        return _pbr_parts(scenario, result.payments, result.audit, as_of, policy)
    if kind == "kpi_linked":
        return _kpi_parts(scenario, result.payments, reconciliation, frames, as_of)
    return [Part("How this contract pays", f"Cusp has no statement sections for the mechanism {pr.label(kind, capital=False)}.")]


def mechanism_points(scenario: Any, result: Any, reconciliation: pd.DataFrame | None, frames: dict, as_of: dt.date,
                     policy: str) -> tuple[list[str], list[str]]:
    """The summary's sentences for the mechanism: (points, what is off track)."""
    pol = get_policy(policy)
    kind = scenario.payment.kind
    points: list[str] = []
    missed: list[str] = []
    if kind == "block":
        t = block_schedule_table(scenario, result.payments, as_of).loc["Total"]
        points.append(f"A block contract: {pr.gbp(t['paid to date (£)'])} paid to date in {int(t['instalments paid'])} of "
                      f"{int(t['instalments in the year'])} instalments; {pr.gbp(t['still to pay (£)'])} still to pay of "
                      f"{pr.gbp(t['year' + chr(39) + 's value (£)'])} over the contract.")
    elif kind == "payment_by_results":
        pay, audit = result.payments, result.audit
        up = float(pay.loc[pay["metric"] == "upfront", "amount"].sum())
        fam = audit[audit["metric"] == "family_outcome"]
        n = fam["status"].value_counts()
        fam_money = float(pay.loc[pay["metric"] == "family_outcome", "amount"].sum())
        points.append(f"Up-front payments {pr.gbp(up)}; per-family payments {pr.gbp(fam_money)} for {_n(pol, n.get('paid', 0))} "
                      f"families; {_n(pol, n.get('not achieved', 0))} families ended support without the outcomes paid for, "
                      f"{_n(pol, n.get('capped', 0))} were capped by the pooled budget (counts as published).")
    elif kind == "kpi_linked" and reconciliation is not None:
        rec = reconciliation[(reconciliation["at_risk"] > 0) & (pd.to_datetime(reconciliation["year_end"]).dt.date <= as_of)]
        if len(rec):
            n = rec["contract_year"].nunique()
            points.append(f"Year-end KPI payments: {pr.gbp(rec['kpi_payment'].sum())} earned of {pr.gbp(rec['at_risk'].sum())} "
                          f"at risk in {n} reconciled contract year{'s' if n != 1 else ''}; {pr.gbp(rec['withheld'].sum())} withheld.")
            for r in rec.itertuples():
                if r.weight_met < 1:
                    missed.append(f"Year {r.contract_year}: KPIs met carry {pr.pct(r.weight_met, 0)} of the weight, so "
                                  f"{pr.gbp(r.withheld)} of the money at risk is withheld.")
        else:
            points.append("No contract year with money at risk has been reconciled yet.")
        note = _unmeasured(scenario, frames.get("kpi_results.csv"))
        if note:
            points.append(note)
    return points, missed


# --------------------------------------------------------------------------- the statement's middle, put together

# what the money table's note says the money is for, by mechanism
_MONEY_NOTE = {
    "sib_edge_of_care": "Each payment is split between the commissioner and the Life Chances Fund by the scenario's top-up "
                        "share until the Fund's end date. A row's amounts are suppressed when the children paid in it are a small count.",
    "block": "A block contract's instalments are paid for the contract as a whole, not for any child, so nothing is suppressed.",
    "payment_by_results": "Up-front payments are paid for each area as a whole; a row's amounts are suppressed when the "
                          "families paid in it are a small count (a row with up-front payments only rests on none).",
    "kpi_linked": "Instalments and year-end KPI payments are paid for each envelope as a whole, not for any child, so "
                  "nothing is suppressed.",
}


@dataclass
class Statement:
    """The mechanism's part of the statement: summary sentences, headline figures and sections."""

    points: list[str]
    missed: list[str]
    figures: list[tuple[str, str]]
    parts: list[Part]
    money_note: str

    @property
    def headings(self) -> list[str]:
        return [p.heading for p in self.parts]

    def _repr_html_(self) -> str:
        return "".join(p._repr_html_() for p in self.parts)


def statement(scenario: Any, result: Any, reconciliation: pd.DataFrame | None, frames: dict, as_of: dt.date, policy: str,
              results_path: str = "results.json") -> Statement:
    """The summary (money due, what is off track) and the mechanism's sections of the statement."""
    from . import payments_report as pay

    kind = scenario.payment.kind
    sib = None
    if kind == "sib_edge_of_care":
        from .statement_sib import indicators_and_rag

        sib = indicators_and_rag(scenario, frames, result, as_of, policy)
    due_for = "for outcomes achieved" if kind == "sib_edge_of_care" else "under the contract"
    points, missed, figures = pay.summary_points(result.payments, result.audit, sib[0] if sib else None, None, str(as_of),
                                                 policy, due_for=due_for)
    more, off = mechanism_points(scenario, result, reconciliation, frames, as_of, policy)
    parts = mechanism_parts(scenario, result, reconciliation, frames, as_of, policy, results_path, sib)
    return Statement(points[:1] + more + points[1:], off + missed, figures, parts, _MONEY_NOTE.get(kind, ""))
