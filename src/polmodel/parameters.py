"""Mechanisms and their parameters: one table, each row with a default, a range and a source.

A *mechanism* is one causal claim from the sources (DESIGN §2), turned into one or two terms
of the dynamics in :mod:`polmodel.model`. A *parameter* is a rate (per month) or a weight that
sizes a mechanism. Nobody knows these numbers; the plausible range is what the ensemble samples,
the default is the centre used for a single run. Sources name a file in ``sources/`` with the
passage, a published finding, or say "assumption" plainly.

*Context parameters* describe the country and its surroundings (patrons, regional dependence,
indictment exposure, guarantees). Their values and ranges come from each scenario file.

Source files: CRIES = ``003_040305adb19ccdf7.txt``; Foreign Affairs = ``001_ec2af559ea5efe6c.txt``;
Push-Pull = ``000_a4fc910f12375868.txt``; narcoterrorism piece = ``002_850ea6a52ecdb5cc.txt``;
Blinken piece = ``004_87fd6b6f59548b58.txt``.
"""

from __future__ import annotations

from dataclasses import dataclass

CRIES = "003_040305adb19ccdf7.txt (CRIES memo)"
FOREIGN_AFFAIRS = "001_ec2af559ea5efe6c.txt (Foreign Affairs)"
PUSH_PULL = "000_a4fc910f12375868.txt (Push-Pull)"
NARCO = "002_850ea6a52ecdb5cc.txt (narcoterrorism piece)"
BLINKEN = "004_87fd6b6f59548b58.txt (Blinken piece)"


@dataclass(frozen=True)
class Mechanism:
    """One causal claim and where it comes from.

    ``moves`` lists ``(state, sign)`` pairs: the states whose gain (+1) or loss (-1) the
    mechanism feeds. ``levers`` and ``reads`` are what it depends on; together they give the
    causal diagram levers -> mechanisms -> conditions.
    """

    name: str
    effect: str
    source: str
    moves: tuple[tuple[str, int], ...]
    levers: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parameter:
    """A number that sizes a mechanism or describes the context, with its plausible range."""

    name: str
    default: float
    low: float
    high: float
    meaning: str
    source: str
    mechanism: str = ""
    limit: float = float("inf")
    """Hard upper bound: no scenario may set a value or range above it (rates have none)."""


M = Mechanism
MECHANISMS: tuple[Mechanism, ...] = (
    M("mismanagement_drift", "crisis rises without relief",
      f'{CRIES}: "acute economic crisis, with a hyperinflationary economy that is in default"; '
      f'{PUSH_PULL}: "terrible resource mismanagement"', (("crisis", +1),)),
    M("broad_sanctions_hardship", "broad sanctions deepen the crisis and cut rents; exodus follows the crisis",
      f'{PUSH_PULL}: "Some of the broader sanctions have most impacted regular people"',
      (("crisis", +1), ("rents", -1)), levers=("broad_sanctions",)),
    M("siege_rally", "broad sanctions and threats of force close the governing coalition's ranks",
      f'{PUSH_PULL}: the regime "blaming the sanctions"; {CRIES}: comments about the possible use '
      'of force "have not been helpful"; Grauvogel & von Soest 2014 (comprehensive sanctions '
      "consolidate regimes with strong legitimation claims)",
      (("fracture", -1),), levers=("broad_sanctions", "force_threat")),
    M("rent_loyalty", "rents buy loyalty and keep the coalition together",
      f'{PUSH_PULL}: illegal mining "is the main lifeline of the Maduro regime"; {NARCO}: a '
      '"criminal portfolio ... sustains loyalty" (allegation)', (("fracture", -1),), reads=("rents",)),
    M("patronage_squeeze", "a crisis the regime cannot pay its way out of splits the coalition",
      f'{CRIES}: "the development of a general crisis may result in a collapse in the future"',
      (("fracture", +1),), reads=("crisis", "rents")),
    M("targeted_wedge", "targeted sanctions split elites who have an exit (no prosecution, or guarantees)",
      f'{FOREIGN_AFFAIRS}: "drive a wedge between the hardline members of the Venezuelan '
      'government and the moderates"', (("fracture", +1),),
      levers=("targeted_sanctions", "negotiation"),
      reads=("indictment_exposure", "guarantee_credibility")),
    M("indictment_lockin", "targeted sanctions on elites facing prosecution with no exit close ranks",
      f'{FOREIGN_AFFAIRS}: officials "in positions where a transition could lead to their eventual '
      'prosecution and imprisonment", sanctions "have thus failed"; Krcmaric 2018 (culpable '
      "leaders far less likely to take exile once prosecution is likely)",
      (("fracture", -1),), levers=("targeted_sanctions", "negotiation"),
      reads=("indictment_exposure", "guarantee_credibility")),
    M("offramps", "negotiation with guarantees draws pragmatists away from hardliners",
      f'{CRIES}: "its most pragmatic sectors should be approached"; "Include pluralist sectors of '
      'progovernment political forces in the negotiations"', (("fracture", +1),),
      levers=("negotiation",), reads=("guarantee_credibility",)),
    M("defection", "defectors need somewhere to go: pressure and a challenger together widen cracks",
      f'{FOREIGN_AFFAIRS}: an OAS suspension "may create enough pressure to widen the cracks among '
      "Maduro's loyalists\"", (("fracture", +1),), levers=("negotiation",),
      reads=("pressure", "challenger", "indictment_exposure", "guarantee_credibility")),
    M("dialogue_division", "negotiation divides the challengers",
      f'{CRIES}: the opposition "is divided over ... whether to promote dialogue with the '
      f'government"; {BLINKEN}: opposition split over talks (events only)',
      (("challenger", -1),), levers=("negotiation",)),
    M("repression", "a cohesive governing coalition represses the challengers",
      f'{CRIES}: "The opposition today is strongly persecuted, and opposing political parties are '
      'invalidated and outlawed"', (("challenger", -1),), reads=("fracture",)),
    M("exit_drains_voice", "emigration takes members from the challenging coalition and civil society",
      f'{CRIES}: "weakening of civil society due to the migration of its members"; Miller & Peters '
      "2018 (economic emigration predicts autocratic survival)", (("challenger", -1),),
      reads=("exodus",)),
    M("grievance", "the crisis mobilizes grievance behind the challengers",
      f'{FOREIGN_AFFAIRS}: Maduro "faces an 80 percent disapproval rating"',
      (("challenger", +1),), reads=("crisis",)),
    M("civil_society_support", "outside support strengthens the challenging coalition and civil society",
      f'{PUSH_PULL}: local NGOs, activists and journalists "should be supported through public '
      f'rhetoric and financial aid"; {CRIES}: "Empower locals in Venezuela"',
      (("challenger", +1),), levers=("opposition_support",)),
    M("coordination", "coordination raises pressure; sanctions add pressure in proportion to coordination",
      f'{CRIES}: pressure "is not effective because of its fragmented and disaggregated character '
      'and the lack of a clear consensus strategy"', (("pressure", +1),),
      levers=("multilateral_coordination", "targeted_sanctions", "broad_sanctions")),
    M("interlocutor", "a stronger challenger gives coordination an interlocutor and more effect",
      f'{CRIES}: "the international community does not have a clear internal interlocutor ... '
      'which generates divisions on the international front"', (("pressure", +1),),
      levers=("multilateral_coordination",), reads=("challenger",)),
    M("regional_dependence", "oil-dependent neighbours damp coordination",
      f'{FOREIGN_AFFAIRS}: Caribbean nations "receive subsidized oil shipments"; {CRIES}: energy '
      'cooperation "makes the Caribbean countries reluctant to make statements against Maduro"',
      (("pressure", -1),), reads=("regional_dependence",)),
    M("force_threat", "threats of force add coercive pressure but put off regional partners",
      f'{CRIES}: comments about the possible use of force "have not been helpful", solutions '
      '"avoiding interventionist patterns of the past"; direct coercive effect: assumption',
      (("pressure", +1),), levers=("force_threat",)),
    M("patrons", "external backers supply rents and shield the regime from pressure",
      f"{PUSH_PULL}: gold buyers (Turkey, UAE, Iran, Russia); {NARCO}: Russia and China "
      '"providing diplomatic and economic cover" (allegation)',
      (("rents", +1), ("pressure", -1)), reads=("patron_support",)),
    M("illicit_enforcement", "enforcement against illicit gold and drug revenue cuts rents",
      f'{PUSH_PULL}: "Purchasing illegal gold ... should also be outlawed"; {NARCO}: interdictions '
      "aimed at regime funding (allegation)", (("rents", -1),), levers=("illicit_enforcement",)),
    M("humanitarian_aid", "aid eases the crisis",
      f'{NARCO}: oil resale "to generate revenue for humanitarian purposes"; {CRIES}: the UN Human '
      'Rights Council resolution "for Venezuela to accept humanitarian aid"',
      (("crisis", -1),), levers=("humanitarian_aid",)),
    M("sanctions_relief", "relief eases the crisis, adds rents and eases pressure",
      f"{BLINKEN}: oil licence in exchange for talks (events only); {NARCO}: partial relief "
      "measures (allegation)", (("crisis", -1), ("rents", +1), ("pressure", -1)),
      levers=("sanctions_relief",)),
    M("normalization", "without pressure, the crisis and the pressure settle into a new normal",
      f'{CRIES}: "the situation will normalize, thereby weakening regional responses ... The '
      'Venezuelan government is betting on this scenario"', (("crisis", -1), ("pressure", -1)),
      reads=("pressure",)),
    M("rent_base", "oil and illicit revenue replenish rents; reserves and markets wear them down",
      "assumption (a neutral baseline for rents)", (("rents", +1), ("rents", -1))),
    M("emigration", "the crisis drives emigration; some return when it eases",
      f'{CRIES}: the humanitarian crisis "is in turn the main cause for emigration"; "more than two '
      'million migrants have left Venezuela in the last two years"', (("exodus", +1),),
      reads=("crisis",)),
)
del M

P = Parameter
MECHANISM_PARAMETERS: tuple[Parameter, ...] = (
    P("drift", 0.06, 0.02, 0.12, "monthly rate at which mismanagement deepens the crisis",
      "assumption, sized so the 2018 crisis persists without relief (CRIES)", "mismanagement_drift"),
    P("broad_hardship", 0.08, 0.02, 0.20, "monthly rate at which broad sanctions deepen the crisis",
      "assumption; oil output fell from about 3.2 to under 0.6 Mb/d by 2020, the sanctions' share "
      "is disputed (Rodriguez 2019, 2022; Weisbrot & Sachs 2019 and critics)", "broad_sanctions_hardship"),
    P("broad_rent_cut", 0.05, 0.01, 0.12, "monthly rate at which broad sanctions cut rents",
      "assumption (same dispute as broad_hardship)", "broad_sanctions_hardship"),
    P("rally", 0.06, 0.01, 0.15, "monthly rate at which broad sanctions or threats close ranks",
      "assumption; Grauvogel & von Soest 2014", "siege_rally"),
    P("rent_loyalty", 0.12, 0.05, 0.25, "monthly rate at which rents hold the coalition together",
      "assumption", "rent_loyalty"),
    P("squeeze", 0.08, 0.02, 0.20, "monthly rate at which crisis without rents splits the coalition",
      "assumption", "patronage_squeeze"),
    P("wedge", 0.06, 0.01, 0.15, "monthly rate at which targeted sanctions split elites with an exit",
      "assumption; about 34% of 204 sanctions episodes partly or fully met their goals (Hufbauer et "
      "al. 2007), UN targeted sanctions coerced in about 22% (Biersteker et al. 2016)", "targeted_wedge"),
    P("lockin", 0.06, 0.01, 0.15, "monthly rate at which targeted sanctions close the ranks of elites with no exit",
      "assumption; Krcmaric 2018 (about six times less likely to take exile)", "indictment_lockin"),
    P("offramp", 0.05, 0.01, 0.12, "monthly rate at which credible off-ramps draw pragmatists out",
      "assumption", "offramps"),
    P("defection", 0.15, 0.03, 0.30, "monthly rate at which pressure with a challenger widens cracks",
      "assumption", "defection"),
    P("dialogue_division", 0.04, 0.01, 0.10, "monthly rate at which negotiation divides the challengers",
      "assumption", "dialogue_division"),
    P("repression", 0.08, 0.03, 0.15, "monthly rate at which a cohesive regime wears the challengers down",
      "assumption", "repression"),
    P("exit_drain", 0.15, 0.05, 0.40, "monthly loss of challenger strength per unit share emigrated",
      "assumption; Miller & Peters 2018", "exit_drains_voice"),
    P("grievance", 0.05, 0.01, 0.12, "monthly rate at which the crisis mobilizes challengers",
      "assumption; nonviolent campaigns succeeded about 53% of the time in 1900-2006 "
      "(Chenoweth & Stephan 2011)", "grievance"),
    P("support", 0.05, 0.01, 0.12, "monthly rate at which outside support strengthens challengers",
      "assumption", "civil_society_support"),
    P("coordination", 0.08, 0.02, 0.20, "monthly rate at which full coordination raises pressure",
      "assumption", "coordination"),
    P("sanction_pressure", 0.05, 0.01, 0.12, "monthly rate at which sanctions add pressure at full coordination",
      f"assumption; sanctions count toward coordinated pressure only as far as they are coordinated "
      f"({CRIES}: pressure through sanctions is 'fragmented and disaggregated')", "coordination"),
    P("interlocutor", 1.0, 0.0, 3.0, "extra effect of coordination per unit of challenger strength",
      "assumption", "interlocutor"),
    P("dependence_damping", 0.6, 0.2, 1.0, "how much regional dependence damps coordination",
      "assumption; OAS votes 20 and 17 of 34 (Foreign Affairs)", "regional_dependence", limit=1.0),
    P("threat_pressure", 0.03, 0.0, 0.08, "monthly rate at which threats of force add pressure",
      "assumption", "force_threat"),
    P("force_backlash", 0.5, 0.0, 1.0, "share of coordination lost to a full threat of force",
      "assumption", "force_threat", limit=1.0),
    P("patron_rents", 0.04, 0.01, 0.10, "monthly rate at which full patron support adds rents",
      "assumption", "patrons"),
    P("patron_shield", 0.04, 0.01, 0.10, "monthly rate at which full patron support erodes pressure",
      "assumption", "patrons"),
    P("enforcement_rent_cut", 0.08, 0.02, 0.20, "monthly rate at which full enforcement cuts rents",
      "assumption", "illicit_enforcement"),
    P("aid_easing", 0.04, 0.01, 0.10, "monthly rate at which full humanitarian aid eases the crisis",
      "assumption", "humanitarian_aid"),
    P("relief_easing", 0.06, 0.01, 0.15, "monthly rate at which full sanctions relief eases the crisis",
      "assumption", "sanctions_relief"),
    P("relief_rents", 0.05, 0.01, 0.12, "monthly rate at which full sanctions relief adds rents",
      "assumption", "sanctions_relief"),
    P("relief_pressure_loss", 0.04, 0.01, 0.10, "monthly rate at which full relief erodes pressure",
      "assumption", "sanctions_relief"),
    P("crisis_normalization", 0.02, 0.0, 0.06, "monthly rate at which the crisis settles when pressure is absent",
      "assumption", "normalization"),
    P("pressure_normalization", 0.03, 0.01, 0.08, "monthly rate at which pressure fades",
      "assumption", "normalization"),
    P("rent_base", 0.04, 0.02, 0.08, "monthly rate at which oil and illicit revenue replenish rents",
      "assumption", "rent_base"),
    P("rent_depletion", 0.04, 0.02, 0.08, "monthly rate at which rents wear down",
      "assumption", "rent_base"),
    P("emigration_rate", 0.003, 0.001, 0.006, "monthly share of those remaining who leave at full crisis",
      f"{CRIES}: over two million of about 30 million left in two years (about 0.003 a month)",
      "emigration", limit=1.0),
    P("return_rate", 0.001, 0.0, 0.004, "monthly share of emigrants who return when the crisis is absent",
      "assumption", "emigration", limit=1.0),
)

CONTEXT_PARAMETERS: tuple[Parameter, ...] = (
    P("patron_support", 0.5, 0.0, 1.0, "economic and diplomatic backing from outside patrons",
      "set by each scenario", limit=1.0),
    P("regional_dependence", 0.5, 0.0, 1.0, "neighbours' dependence on the regime (oil, trade, votes)",
      "set by each scenario", limit=1.0),
    P("indictment_exposure", 0.5, 0.0, 1.0, "share of the elite facing prosecution if it loses power",
      "set by each scenario", limit=1.0),
    P("guarantee_credibility", 0.5, 0.0, 1.0, "how far negotiated guarantees (amnesty, exile) are believed",
      "set by each scenario", limit=1.0),
)
del P

PARAMETERS: dict[str, Parameter] = {p.name: p for p in MECHANISM_PARAMETERS + CONTEXT_PARAMETERS}
"""Every parameter the dynamics read, mechanism and context alike, by name."""

MECHANISMS_BY_NAME: dict[str, Mechanism] = {m.name: m for m in MECHANISMS}


def default_parameters() -> dict[str, float]:
    """Return the default value of every parameter, by name.

    Returns
    -------
    dict of str to float
    """
    return {name: p.default for name, p in PARAMETERS.items()}
