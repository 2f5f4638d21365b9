"""Mechanisms and their parameters: one table, each row with a default, a range and a source.

A *mechanism* is one causal claim, turned into terms of the dynamics in
:mod:`polmodel.model.equations` (one term per parameter that sizes it; a mechanism that moves
several states has a parameter for each). A *parameter* is a rate (per month) or a weight that
sizes a mechanism, and names its term.
Nobody knows these numbers: the plausible range is what the ensemble samples, the default is
the centre used for a single run. Each source says what its passage or finding actually shows;
a number no source sizes says "assumption". Success rates from the literature (34%, 22%, 53%)
are shares of episodes, not monthly rates, and size nothing here.

*Context parameters* describe the country and its surroundings (patrons, regional dependence,
guarantees, legitimation, linkage, personalism, what a negotiation offers). Their values and
ranges come from each scenario file; a scenario written for the first edition gets the
documented defaults below, and its runs say so.

How rates are sized: the 2018 memo reads an entrenched situation ("the imposed authoritarian
government has been consolidated"), so the base rates of each condition (``drift``,
``recovery``, ``rent_loyalty``, ``repression``, ``pressure_normalization``...) are chosen so
that the memo's 2018 reading is close to a steady state under the 2018 mix of levers. The same
global rates then move any scenario whose context differs. No rate is fitted per scenario.

Source files: CRIES = ``003_040305adb19ccdf7.txt``; Foreign Affairs = ``001_ec2af559ea5efe6c.txt``;
Push-Pull = ``000_a4fc910f12375868.txt``; narcoterrorism piece = ``002_850ea6a52ecdb5cc.txt``;
Blinken piece = ``004_87fd6b6f59548b58.txt``.
"""

from __future__ import annotations

from dataclasses import dataclass

CRIES = "003 (CRIES memo)"
FOREIGN_AFFAIRS = "001 (Foreign Affairs)"
PUSH_PULL = "000 (Push-Pull)"
NARCO = "002 (narcoterrorism piece, allegations)"
BLINKEN = "004 (Blinken piece, events only)"

GROUPS: dict[str, str] = {
    "economy": "the crisis, rents and emigration",
    "security and elites": "the governing coalition, its security forces and its exits",
    "challengers": "the challenging coalition and what moves it",
    "international": "pressure, coordination, sanctions and patrons",
}
"""Groups of parameters, for grouped sensitivity analysis and for reading the table."""


@dataclass(frozen=True)
class Mechanism:
    """One causal claim and where it comes from.

    ``moves`` lists ``(state, sign)`` pairs: the states whose gain (+1) or loss (-1) the
    mechanism feeds. ``levers`` and ``reads`` are what it depends on; together they give the
    causal diagram levers -> mechanisms -> states, feedback loops included.
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
    limit: float = 1.0
    """Hard upper bound: no scenario, ``--set`` or library call may go above it."""
    group: str = ""


M = Mechanism
MECHANISMS: tuple[Mechanism, ...] = (
    # -- crisis ------------------------------------------------------------------------------
    M("mismanagement_drift", "mismanagement deepens the crisis",
      f'{CRIES}: "an acute economic crisis, with a hyperinflationary economy that is in default"; '
      f'{PUSH_PULL}: attributes the collapse to "resource mismanagement" and a command economy',
      (("crisis", +1),)),
    M("brain_drain", "emigration of workers and professionals deepens the crisis",
      f'{CRIES}: "a loss of intellectual capital and a worker base", "high emigration of doctors and '
      'nurses"', (("crisis", +1),), reads=("exodus",)),
    M("adaptation", "economies adapt: without new shocks the crisis eases slowly",
      "assumption (households and firms adapt, e.g. informal dollarization); no source sizes it",
      (("crisis", -1),)),
    M("broad_sanctions_hardship", "broad sanctions deepen the crisis and cut the government's rents",
      f'{PUSH_PULL}: "Some of the broader sanctions have most impacted regular people"; the size '
      "is disputed (Rodriguez 2019, 2022; Weisbrot & Sachs 2019 and its critics)",
      (("crisis", +1), ("rents", -1)), levers=("broad_sanctions",)),
    M("aid_easing", "aid delivered inside the country eases the crisis",
      f'{CRIES}: the UN Human Rights Council "approved a resolution for Venezuela to accept '
      f'humanitarian aid"; {NARCO}: oil resale "to generate revenue for humanitarian purposes"',
      (("crisis", -1),), levers=("humanitarian_aid",)),
    M("sanctions_relief", "relief eases the crisis, adds rents and eases pressure",
      f"{BLINKEN}: an oil licence offered in exchange for resumed talks; {NARCO}: partial relief "
      "measures", (("crisis", -1), ("rents", +1), ("pressure", -1)), levers=("sanctions_relief",)),
    M("aid_capture", "a government captures part of the aid as revenue it can spend on loyalty",
      "Ahmed 2012 (unearned foreign income, aid included, lengthens autocratic survival: "
      "governments turn it into patronage); the rate is an assumption",
      (("rents", +1),), levers=("humanitarian_aid",)),
    # -- the governing coalition ---------------------------------------------------------------
    M("rent_loyalty", "rents buy the loyalty of the governing coalition",
      f'{PUSH_PULL}: illegal mining profits "help prop up and sustain" the government; {NARCO}: a '
      'military "criminal portfolio ... sustains loyalty"', (("fracture", -1),), reads=("rents",)),
    M("patronage_squeeze", "a crisis the government cannot pay its way out of splits the coalition",
      f'{CRIES}: "the development of a general crisis may result in a collapse in the future"',
      (("fracture", +1),), reads=("crisis", "rents")),
    M("targeted_wedge", "targeted measures split officials who have an exit (no prosecution, or guarantees)",
      "assumption. Krcmaric 2018 finds culpable leaders far less likely to take exile once "
      f"prosecution is likely, so an exit is the condition; {FOREIGN_AFFAIRS} calls the sanctions on "
      'officials of "little, if any, effect" and hopes a wedge comes from OAS pressure',
      (("fracture", +1),), levers=("targeted_sanctions", "negotiation"),
      reads=("exposure",)),
    M("indictment_lockin", "targeted measures on officials facing prosecution, with no exit, close ranks",
      f'{FOREIGN_AFFAIRS}: officials "in positions where a transition could lead to their eventual '
      'prosecution and imprisonment"; Krcmaric 2018 (culpable leaders about six times less likely '
      "to take exile once prosecution became likely)",
      (("fracture", -1),), levers=("targeted_sanctions", "negotiation"), reads=("exposure",)),
    M("personalist_patronage", "a personalist coalition rests more on patronage, so lost rents split it more",
      "Escriba-Folch & Wright 2010 (economic sanctions raise the hazard of losing power for "
      "personalist rulers, who depend on revenue for patronage, and barely for single-party and "
      "military regimes): carried by the rent channel, as a weight on rent loyalty, so it adds no "
      "second sanctions effect", (("fracture", -1),), reads=("rents",)),
    M("engagement_linkage", "relief restores ties with the senders, which weakens the sanctions rally",
      "assumption after Levitsky & Way 2010 (linkage, the density of economic and social ties to "
      "the West, raises the cost of defying it)", (("fracture", +1),), levers=("sanctions_relief",)),
    M("siege_rally", "broad sanctions close ranks where legitimation claims are strong and ties to the senders weak",
      f'Grauvogel & von Soest 2014 (sanctions on governments with strong legitimation claims tend '
      f'to be absorbed into those claims and fail); {PUSH_PULL}: the government "blaming the '
      'sanctions"; the weaker rally with close ties is an assumption after Levitsky & Way 2010 '
      "(linkage to the West raises the cost of defying it)", (("fracture", -1),),
      levers=("broad_sanctions",)),
    M("threat_rally", "threats of force close ranks where legitimation claims are strong",
      f'{CRIES}: some pronouncements "have not been helpful, for instance ... comments about the '
      'possible use of force" (it does not say how); that they close ranks is an assumption after '
      "the sanctions-rally finding (Grauvogel & von Soest 2014), with its own coefficient",
      (("fracture", -1),), levers=("force_threat",)),
    M("foreign_agent_rally", "outside support lets a government cast challengers as foreign agents and close ranks",
      f'{CRIES}: "A possible government onslaught against civil society"; Christensen & Weinstein '
      "2013 (governments justify restrictions on foreign-funded NGOs as defending sovereignty); "
      "that it closes ranks where legitimation claims are strong is an assumption",
      (("fracture", -1),), levers=("opposition_support",)),
    M("offramps", "negotiation with credible guarantees draws pragmatists away from hardliners",
      f'{CRIES}: "its most pragmatic sectors should be approached"; "Include pluralist sectors of '
      'progovernment political forces in the negotiations"', (("fracture", +1),),
      levers=("negotiation",)),
    M("defection", "defectors need somewhere to go: pressure and a challenger together widen cracks",
      f'{FOREIGN_AFFAIRS}: an OAS suspension "may create enough pressure to widen the cracks among '
      "Maduro's loyalists\"", (("fracture", +1),), levers=("negotiation",),
      reads=("pressure", "challenger", "exposure")),
    M("security_holds_coalition", "loyal, cohesive security forces hold back a split in the coalition",
      "Bellin 2004 and Levitsky & Way 2010 (the cohesion of the coercive apparatus decides whether "
      f'elite splits spread); {FOREIGN_AFFAIRS}: a coup "seems unlikely" as the military is '
      '"extensively incorporated"', (("fracture", -1),), reads=("security",)),
    # -- the security forces -------------------------------------------------------------------
    M("security_rents", "rents, illicit ones included, keep the security forces loyal",
      f'{FOREIGN_AFFAIRS}: the military\'s food-supply role gives "opportunities for black market '
      f'profiteering" and "incentives for ... cracking down"; {PUSH_PULL}: security forces '
      f'"overseeing mining sites"; {NARCO}: "criminal portfolio"; Bellin 2004 (a coercive apparatus '
      "that is paid holds)", (("security", +1),), reads=("rents",)),
    M("security_exposure", "officers facing prosecution close ranks unless guarantees reach them",
      f'{FOREIGN_AFFAIRS}: top military officers "apparently involved in the global illicit drug '
      'trade"; a coup "seems unlikely" since the military is "extensively incorporated"; '
      "Krcmaric 2018", (("security", +1),), levers=("negotiation",), reads=("exposure",)),
    M("security_patrons", "outside patrons back the security apparatus",
      f'Bellin 2004 (international support networks sustain coercive apparatuses); {NARCO}: Russia '
      'and China "providing diplomatic and economic cover"', (("security", +1),)),
    M("pay_squeeze", "a crisis without rents squeezes officers' pay and erodes cohesion",
      "Bellin 2004 (fiscal health of the coercive apparatus); the rate is an assumption",
      (("security", -1),), reads=("crisis", "rents")),
    M("officer_exit", "guarantees in a negotiation give officers an exit",
      f'{CRIES}: approach "its most pragmatic sectors"; assumption that guarantees reach officers',
      (("security", -1),), levers=("negotiation",)),
    M("enforcement_erodes_portfolio", "enforcement against illicit revenue cuts officers' own portfolio",
      f'{PUSH_PULL}: security forces protect the mining gangs; {NARCO}: the military\'s "criminal '
      'portfolio"; assumption that enforcement reaches it', (("security", -1),),
      levers=("illicit_enforcement",)),
    M("non_material_ties", "forces bound to the rulers by ethnicity, sect, party or history hold together",
      "Bellin 2012 (patrimonial militaries, tied to the ruler by kin or sect, stood by him in "
      "2011; institutionalized ones could afford to defect); Lee 2015; the rate is an assumption",
      (("security", +1),)),
    M("professional_distance", "a professional force with its own corporate identity keeps its distance",
      "Bellin 2012 (an institutionalized military has interests of its own apart from the "
      "regime's survival); the rate is an assumption", (("security", -1),)),
    M("campaign_defection", "a large challenging coalition raises the cost of repression and draws defections",
      "Chenoweth & Stephan 2011 (security-force defections are more likely against large "
      "campaigns); Bellin 2012 (the military's choice decided the 2011 uprisings)",
      (("security", -1),), reads=("challenger",)),
    # -- the challenging coalition -------------------------------------------------------------
    M("grievance", "discontent with the crisis is the pool the challengers draw from",
      f'{FOREIGN_AFFAIRS}: an "80 percent disapproval rating" (discontent, not mobilization); '
      "the rate is an assumption", (("challenger", +1),), reads=("crisis",)),
    M("unification", "a challenger that organizes and connects to the public's agenda draws more in",
      f'{CRIES}: the opposition "lacks connections with civil society and is disconnected from the '
      'public\'s priority agenda"; "The key is to unify the opposition coalition"; Howard & '
      "Roessler 2006 (opposition coalitions and liberalizing outcomes)",
      (("challenger", +1),), reads=("challenger", "crisis")),
    M("civil_society_support", "outside support strengthens civil society and the challengers",
      f'{CRIES}: "Empower locals in Venezuela", "Strengthen civil society\'s proactive role"; '
      f"{PUSH_PULL} recommends supporting local NGOs and journalists; Bunce & Wolchik 2011",
      (("challenger", +1),), levers=("opposition_support",)),
    M("interlocutor_recognition", "coordinated outsiders dealing with one interlocutor help the challengers unify",
      f'{CRIES}: "Initiate a new process to identify an international interlocutor in the '
      'Venezuelan opposition as an essential step"', (("challenger", +1),),
      levers=("multilateral_coordination",)),
    M("dialogue_unifies", "a negotiation that offers credible elections gives the challengers a common aim",
      f'{BLINKEN}: talks aimed at "the necessary conditions to have free and fair elections"; the '
      "opposition platform called for resuming them; assumption on the size and on the offer "
      "above which talks unite rather than divide",
      (("challenger", +1),), levers=("negotiation",)),
    M("relief_for_talks", "relief tied to talks adds to what a negotiation offers the challengers",
      f'{BLINKEN}: "In exchange for the significant sanctions relief, the government ... would '
      'resume long-suspended talks with the country\'s opposition to discuss conditions needed to '
      'hold free and fair presidential elections" (reported, unnamed sources); assumption on the size',
      (("challenger", +1),), levers=("sanctions_relief", "negotiation")),
    M("dialogue_divides", "a negotiation that offers little divides the challengers",
      f'{CRIES}: the opposition "is divided over ... whether to promote dialogue with the '
      f'government"; {BLINKEN}: opposition split over talks', (("challenger", -1),),
      levers=("negotiation",)),
    M("repression", "loyal security forces and a cohesive coalition persecute the challengers",
      f'{CRIES}: "The opposition today is strongly persecuted, and opposing political parties are '
      'invalidated and outlawed"; force delegated to "paramilitary groups"',
      (("challenger", -1),), reads=("security", "fracture")),
    M("repression_backfire", "past a mobilization threshold repression loses its effect and draws people in",
      "Hess & Martin 2006 (repression that is seen as unjust can generate outrage and more "
      "participation: backfire); Chenoweth & Stephan 2011 (repression of mass nonviolent campaigns "
      "often fails to demobilize them); threshold and size are assumptions",
      (("challenger", +1),), reads=("security", "fracture", "challenger")),
    M("foreign_support_crackdown", "outside support for civil society draws a crackdown or a 'foreign agent' campaign",
      f'{CRIES}: "A possible government onslaught against civil society ... the trend in recent '
      'months has been going in that direction"; Christensen & Weinstein 2013 (governments '
      "restricting foreign funding of NGOs); it needs loyal forces and a cohesive coalition to "
      "carry it out; the rate is an assumption", (("challenger", -1),),
      levers=("opposition_support",), reads=("security", "fracture")),
    M("aid_sustains_civil_society", "aid delivered through local organizations keeps civil society working",
      f'{CRIES}: the humanitarian and migratory crises "required civil society actors to learn '
      'about the subject", and civil society organizations "must assume that leadership role"; '
      "assumption that aid reaches them and on the size", (("challenger", +1),),
      levers=("humanitarian_aid",)),
    M("coalition_split_space", "a divided governing coalition opens space for the challengers",
      "O'Donnell & Schmitter 1986 (splits between hard-liners and soft-liners open the way to the "
      "'resurrection of civil society'); the rate is an assumption",
      (("challenger", +1),), reads=("fracture",)),
    M("exit_drains_voice", "emigration takes members from civil society; the drain saturates",
      f'{CRIES}: "The increased weakening of civil society due to the migration of its members"; '
      "Miller & Peters 2018 (economic emigration is associated with autocratic survival; emigration "
      "to democracies can support democratization), hence a bounded, uncertain net drain",
      (("challenger", -1),), reads=("exodus",)),
    # -- international pressure ----------------------------------------------------------------
    M("coordination", "a shared strategy turns scattered measures into pressure",
      f'{CRIES}: pressure "is not effective because of its fragmented and disaggregated character '
      'and the lack of a clear consensus strategy"', (("pressure", +1),),
      levers=("multilateral_coordination",)),
    M("interlocutor", "a stronger challenger gives coordination an interlocutor and more effect",
      f'{CRIES}: "the international community does not have a clear internal interlocutor ... '
      'which generates divisions on the international front"', (("pressure", +1),),
      levers=("multilateral_coordination",), reads=("challenger",)),
    M("sanctions_pressure", "sanctions add pressure: a floor when uncoordinated, more when coordinated",
      f'{CRIES}: pressure "has been observed but in a disjointed manner" (declarations, sanctions '
      "against officials, financial sanctions) and is not effective because fragmented",
      (("pressure", +1),), levers=("targeted_sanctions", "broad_sanctions", "multilateral_coordination")),
    M("regional_dependence", "oil-dependent neighbours damp coordination (less pressure, less "
      "help for the challengers' interlocutor, fewer court referrals)",
      f'{FOREIGN_AFFAIRS}: Caribbean nations "receive subsidized oil shipments" and OAS votes fell '
      f'short (20 and 17 of 34); {CRIES}: energy cooperation "makes the Caribbean countries '
      'reluctant to make statements against Maduro"',
      (("pressure", -1), ("challenger", -1), ("exposure", -1)),
      levers=("multilateral_coordination",)),
    M("force_threat", "threats of force add coercive pressure but put off regional partners "
      "(less coordination, so less help for the challengers' interlocutor and fewer court "
      "referrals too)",
      f'{CRIES}: comments about the possible use of force "have not been helpful", solutions should '
      'avoid "interventionist patterns of the past"; the direct coercive effect is an assumption',
      (("pressure", +1), ("challenger", -1), ("exposure", -1)), levers=("force_threat",)),
    M("displacement_response", "an exodus gives neighbours a stake: regional responses arise",
      f'{CRIES}: "regional responses that may arise from the humanitarian and migratory crises"; '
      "Colombia alone received nearly one million", (("pressure", +1),), reads=("exodus",)),
    M("pressure_normalization", "as the crisis drags on it comes to look normal and responses weaken",
      f'{CRIES}: "the situation will normalize, thereby weakening regional responses ... The '
      'Venezuelan government is betting on this scenario"', (("pressure", -1),)),
    M("patrons", "outside backers supply rents and shield the government from pressure",
      f'{PUSH_PULL}: gold sold to Turkey, the UAE, Iran and Russia; {CRIES}: China\'s "significant '
      f'bilateral relationship" and nonintervention; {NARCO}: Russia and China "providing '
      'diplomatic and economic cover"', (("rents", +1), ("pressure", -1))),
    # -- rents, exodus, exposure ---------------------------------------------------------------
    M("rent_base", "production and trade the rulers control replenish rents; reserves and markets wear them down",
      "Ross 2012 (oil revenue and the durability of autocracies); the country's resource base is "
      "coded by each scenario, the rates are assumptions", (("rents", +1), ("rents", -1))),
    M("production_loss", "a deep crisis cuts the output that rents come from",
      "Venezuela's oil output fell from about 3.2 to under 0.6 million barrels a day by 2020, its "
      "causes disputed (Rodriguez 2019, 2022); the rate is an assumption", (("rents", -1),),
      reads=("crisis",)),
    M("illicit_enforcement", "enforcement against illicit gold and drug revenue cuts rents",
      f'{PUSH_PULL}: "Purchasing illegal gold ... should also be outlawed"; {NARCO}: interdictions '
      "aimed at government funding", (("rents", -1),), levers=("illicit_enforcement",)),
    M("emigration", "the crisis drives emigration, from a pool of those who could leave; some return when it eases",
      f'{CRIES}: the humanitarian crisis "is in turn the main cause for emigration"; "more than two '
      'million migrants have left Venezuela in the last two years"; the pool is an assumption',
      (("exodus", +1), ("exodus", -1)), reads=("crisis",)),
    M("indictments", "targeted measures (indictments, designations) add to officials' exposure over time",
      f"{FOREIGN_AFFAIRS}: sanctions and indictments added year by year (Carvajal, Rangel, Reverol, "
      f'El Aissami); {CRIES}: the ICC "has initiated an investigation"', (("exposure", +1),),
      levers=("targeted_sanctions",)),
    M("exposure_decay", "exposure fades as cases lapse or are traded away",
      "assumption", (("exposure", -1),)),
    M("enforcement_lockin", "enforcement against illicit revenue exposes the officials tied to it",
      f'{FOREIGN_AFFAIRS}: officials designated and indicted for drug trafficking (El Aissami), '
      'some in positions where "a transition could lead to their eventual prosecution"; Krcmaric '
      "2018; the rate is an assumption", (("exposure", +1),), levers=("illicit_enforcement",)),
    M("coordinated_referral", "coordinated states refer crimes to international courts, exposing officials",
      f'{CRIES}: "the International Criminal Court has initiated an investigation of the Venezuelan '
      'government for crimes against humanity at the request of several Latin American and '
      'European governments"; the rate is an assumption', (("exposure", +1),),
      levers=("multilateral_coordination",)),
)
del M

P = Parameter
_E, _S, _C, _I = "economy", "security and elites", "challengers", "international"
MECHANISM_PARAMETERS: tuple[Parameter, ...] = (
    # crisis
    P("drift", 0.01, 0.005, 0.02, "monthly rate at which mismanagement deepens the crisis",
      "assumption, sized with recovery so the memo's 2018 crisis persists under the 2018 mix",
      "mismanagement_drift", 0.5, _E),
    P("brain_drain", 0.02, 0.0, 0.05, "monthly rate at which a full exodus deepens the crisis",
      "assumption", "brain_drain", 0.5, _E),
    P("recovery", 0.0018, 0.0, 0.004, "monthly rate at which the crisis eases by adaptation",
      "assumption", "adaptation", 0.5, _E),
    P("broad_hardship", 0.015, 0.005, 0.04, "monthly rate at which full broad sanctions deepen the crisis",
      "assumption; oil output fell from about 3.2 to under 0.6 Mb/d by 2020 and the sanctions' share "
      "is disputed (Rodriguez 2019, 2022; Weisbrot & Sachs 2019 and critics)",
      "broad_sanctions_hardship", 0.5, _E),
    P("broad_rent_cut", 0.05, 0.01, 0.12, "monthly rate at which full broad sanctions cut rents",
      "assumption (same dispute as broad_hardship)", "broad_sanctions_hardship", 1.0, _E),
    P("aid_easing", 0.01, 0.003, 0.03, "monthly rate at which full humanitarian aid eases the crisis",
      "assumption", "aid_easing", 0.5, _E),
    P("relief_easing", 0.015, 0.005, 0.04, "monthly rate at which full sanctions relief eases the crisis",
      "assumption", "sanctions_relief", 0.5, _E),
    P("relief_rents", 0.05, 0.01, 0.12, "monthly rate at which full sanctions relief adds rents",
      "assumption", "sanctions_relief", 1.0, _E),
    P("relief_pressure_loss", 0.04, 0.01, 0.10, "monthly rate at which full relief erodes pressure",
      "assumption", "sanctions_relief", 1.0, _I),
    P("aid_capture", 0.015, 0.0, 0.04, "monthly rate at which full aid adds to the rents the government spends",
      "assumption; Ahmed 2012", "aid_capture", 1.0, _E),
    P("engagement_linkage", 0.3, 0.0, 0.6, "share of the missing ties to the senders that full relief restores",
      "assumption; Levitsky & Way 2010", "engagement_linkage", 1.0, _I),
    P("relief_offer", 0.3, 0.0, 0.6, "share of what a negotiation's offer lacks that full relief tied to talks adds",
      "assumption", "relief_for_talks", 1.0, _C),
    # governing coalition
    P("rent_loyalty", 0.06, 0.03, 0.12, "monthly rate at which full rents hold the coalition together (personalism 0.5; "
      "times 0.5 + personalism)",
      "assumption, sized so the memo's 'no major fractures' persists under the 2018 mix",
      "rent_loyalty", 1.0, _S),
    P("squeeze", 0.04, 0.01, 0.08, "monthly rate at which a full crisis without rents splits the coalition",
      "assumption", "patronage_squeeze", 1.0, _S),
    P("wedge", 0.04, 0.01, 0.10, "monthly rate at which full targeted measures split officials with an exit",
      "assumption", "targeted_wedge", 1.0, _S),
    P("lockin", 0.03, 0.005, 0.08, "monthly rate at which full targeted measures close the ranks of officials with no exit",
      "assumption; Krcmaric 2018", "indictment_lockin", 1.0, _S),
    P("rally", 0.04, 0.005, 0.10, "monthly rate at which full broad sanctions close ranks (full legitimation, no linkage)",
      "assumption; Grauvogel & von Soest 2014", "siege_rally", 1.0, _I),
    P("threat_rally", 0.03, 0.0, 0.08, "monthly rate at which a full threat of force closes ranks (full legitimation)",
      "assumption", "threat_rally", 1.0, _I),
    P("agent_rally", 0.015, 0.0, 0.04, "monthly rate at which full outside support closes ranks (full legitimation)",
      "assumption; Christensen & Weinstein 2013", "foreign_agent_rally", 1.0, _S),
    P("offramp", 0.04, 0.01, 0.10, "monthly rate at which full negotiation with credible guarantees draws pragmatists out",
      "assumption", "offramps", 1.0, _S),
    P("defection", 0.10, 0.02, 0.25, "monthly rate at which full pressure with a full challenger widens cracks",
      "assumption", "defection", 1.0, _S),
    P("security_gate", 0.7, 0.4, 0.95, "share of the coalition's splitting that fully cohesive security forces hold back",
      "assumption; Bellin 2004, Levitsky & Way 2010 (coercive cohesion decides whether splits spread)",
      "security_holds_coalition", 1.0, _S),
    # security forces
    P("security_rents", 0.04, 0.02, 0.08, "monthly rate at which full rents hold the security forces",
      "assumption; Bellin 2004", "security_rents", 1.0, _S),
    P("security_lockin", 0.03, 0.01, 0.06, "monthly rate at which officers' full exposure closes their ranks",
      "assumption; Krcmaric 2018", "security_exposure", 1.0, _S),
    P("security_patrons", 0.02, 0.0, 0.04, "monthly rate at which full patron support backs the security forces",
      "assumption; Bellin 2004", "security_patrons", 1.0, _S),
    P("pay_squeeze", 0.012, 0.004, 0.03, "monthly rate at which a full crisis without rents erodes cohesion",
      "assumption", "pay_squeeze", 1.0, _S),
    P("officer_exit", 0.03, 0.005, 0.08, "monthly rate at which full negotiation with credible guarantees erodes cohesion",
      "assumption", "officer_exit", 1.0, _S),
    P("enforcement_cohesion", 0.02, 0.0, 0.05, "monthly rate at which full enforcement erodes cohesion",
      "assumption", "enforcement_erodes_portfolio", 1.0, _S),
    P("campaign_defection", 0.015, 0.005, 0.04, "monthly rate at which a full challenger draws defections",
      "assumption; Chenoweth & Stephan 2011", "campaign_defection", 1.0, _S),
    P("ties_loyalty", 0.03, 0.01, 0.06, "monthly rate at which ties other than pay hold fully patrimonial forces",
      "assumption; Bellin 2012", "non_material_ties", 1.0, _S),
    P("corporate_distance", 0.03, 0.01, 0.06, "monthly rate at which a fully professional force keeps its distance",
      "assumption; Bellin 2012", "professional_distance", 1.0, _S),
    # challengers
    P("grievance", 0.005, 0.0, 0.015, "monthly rate at which a full crisis draws people to the challengers",
      "assumption", "grievance", 1.0, _C),
    P("unification", 0.03, 0.01, 0.06, "monthly rate at which the challenger's own strength draws more in",
      "assumption; Howard & Roessler 2006", "unification", 1.0, _C),
    P("support", 0.04, 0.01, 0.10, "monthly rate at which full outside support strengthens the challengers",
      "assumption", "civil_society_support", 1.0, _C),
    P("recognition", 0.03, 0.0, 0.06, "monthly rate at which full effective coordination helps the challengers unify",
      "assumption", "interlocutor_recognition", 1.0, _C),
    P("dialogue_unity", 0.04, 0.0, 0.10, "monthly rate at which full negotiation with a full offer unifies the challengers",
      "assumption", "dialogue_unifies", 1.0, _C),
    P("dialogue_division", 0.04, 0.01, 0.10, "monthly rate at which full negotiation offering nothing divides the challengers",
      "assumption", "dialogue_divides", 1.0, _C),
    P("dialogue_crossover", 0.4, 0.2, 0.6, "offer above which a negotiation unites the challengers and below which it divides them",
      "assumption", "dialogue_unifies", 0.95, _C),
    P("repression", 0.1, 0.05, 0.16, "monthly rate at which loyal forces and a cohesive coalition wear the challengers down",
      "assumption, sized so the memo's persecuted, divided opposition persists under the 2018 mix",
      "repression", 1.0, _C),
    P("backfire", 1.0, 0.0, 3.0, "people repression draws in at full mobilization, per person it deters below the threshold",
      "assumption: 0 is repression that never backfires; above 1 it draws in more than it ever "
      "deterred (Hess & Martin 2006 describe cases of both); no study sizes it",
      "repression_backfire", 5.0, _C),
    P("backfire_threshold", 0.5, 0.3, 0.7, "challenger strength above which repression loses effect and starts to backfire",
      "assumption", "repression_backfire", 0.95, _C),
    P("support_backlash", 0.02, 0.0, 0.06, "monthly rate at which full outside support draws a crackdown (loyal forces, cohesive coalition)",
      "assumption", "foreign_support_crackdown", 1.0, _C),
    P("aid_civil", 0.01, 0.0, 0.03, "monthly rate at which full aid through local organizations strengthens civil society",
      "assumption", "aid_sustains_civil_society", 1.0, _C),
    P("split_space", 0.02, 0.005, 0.05, "monthly rate at which a fully split coalition opens space for challengers",
      "assumption; O'Donnell & Schmitter 1986", "coalition_split_space", 1.0, _C),
    P("exit_drain", 0.04, 0.0, 0.08, "largest monthly loss of challenger strength to emigration",
      "assumption; Miller & Peters 2018 (the net sign is uncertain, hence a range from zero)",
      "exit_drains_voice", 1.0, _C),
    P("diaspora_half", 0.1, 0.03, 0.3, "share emigrated at which the drain on the challengers is half its largest",
      "assumption (bounds the drain)", "exit_drains_voice", 1.0, _C),
    # international
    P("coordination", 0.06, 0.02, 0.12, "monthly rate at which full effective coordination raises pressure",
      "assumption", "coordination", 1.0, _I),
    P("interlocutor", 1.0, 0.0, 2.5, "extra effect of coordination per unit of challenger strength",
      "assumption", "interlocutor", 5.0, _I),
    P("sanction_pressure", 0.04, 0.01, 0.10, "monthly rate at which full sanctions add pressure at full coordination",
      "assumption", "sanctions_pressure", 1.0, _I),
    P("uncoordinated_share", 0.25, 0.1, 0.5, "share of sanctions' pressure that acts without coordination",
      f"assumption; {CRIES}: pressure increased 'in a disjointed manner'", "sanctions_pressure", 1.0, _I),
    P("dependence_damping", 0.6, 0.2, 1.0, "how much full regional dependence damps coordination",
      "assumption; OAS votes 20 and 17 of 34 (Foreign Affairs)", "regional_dependence", 1.0, _I),
    P("threat_pressure", 0.02, 0.0, 0.06, "monthly rate at which a full threat of force adds pressure",
      "assumption", "force_threat", 1.0, _I),
    P("force_backlash", 0.5, 0.0, 1.0, "share of coordination lost to a full threat of force",
      "assumption", "force_threat", 1.0, _I),
    P("displacement_response", 0.015, 0.0, 0.04, "monthly rate at which a full exodus draws regional responses",
      "assumption", "displacement_response", 1.0, _I),
    P("pressure_normalization", 0.042, 0.025, 0.07, "monthly rate at which pressure fades unless renewed",
      "assumption, sized so the memo's disjointed pressure persists under the 2018 mix",
      "pressure_normalization", 1.0, _I),
    P("patron_rents", 0.04, 0.01, 0.10, "monthly rate at which full patron support adds rents",
      "assumption", "patrons", 1.0, _I),
    P("patron_shield", 0.03, 0.01, 0.08, "monthly rate at which full patron support erodes pressure",
      "assumption", "patrons", 1.0, _I),
    # rents, exodus, exposure
    P("rent_base", 0.06, 0.03, 0.12, "monthly rate at which a full resource base replenishes rents",
      "assumption", "rent_base", 1.0, _E),
    P("production_loss", 0.02, 0.005, 0.05, "monthly rate at which a full crisis cuts the output rents come from",
      "assumption", "production_loss", 1.0, _E),
    P("rent_depletion", 0.04, 0.02, 0.08, "monthly rate at which rents wear down",
      "assumption", "rent_base", 1.0, _E),
    P("enforcement_rent_cut", 0.06, 0.02, 0.15, "monthly rate at which full enforcement cuts rents",
      "assumption", "illicit_enforcement", 1.0, _E),
    P("emigration_rate", 0.02, 0.008, 0.04, "monthly share of those who could still leave that leave at full crisis",
      f"{CRIES}: over two million of about 30 million left in two years (about 0.003 of the "
      "population a month, with some 0.15 of it still in the pool)", "emigration", 0.2, _E),
    P("exodus_ceiling", 0.3, 0.15, 0.45, "largest share of the population that would ever leave",
      "assumption; about 7.7 million Venezuelans, a quarter of the population, had left by 2023 "
      "(R4V regional platform)", "emigration", 0.9, _E),
    P("return_rate", 0.002, 0.0, 0.006, "monthly share of emigrants who return when the crisis is absent",
      "assumption", "emigration", 0.05, _E),
    P("indictment_rate", 0.02, 0.005, 0.05, "monthly rate at which full targeted measures add exposure",
      "assumption", "indictments", 1.0, _S),
    P("exposure_decay", 0.005, 0.0, 0.02, "monthly rate at which exposure fades",
      "assumption", "exposure_decay", 1.0, _S),
    P("enforcement_exposure", 0.02, 0.005, 0.05, "monthly rate at which full enforcement adds to officials' exposure",
      "assumption, sized as indictment_rate: designations and indictments for drug trafficking "
      "(Foreign Affairs: El Aissami) are the same kind of act; Krcmaric 2018", "enforcement_lockin",
      1.0, _S),
    P("referral_exposure", 0.008, 0.0, 0.025, "monthly rate at which full effective coordination adds exposure (court referrals)",
      "assumption", "coordinated_referral", 1.0, _S),
)

CONTEXT_PARAMETERS: tuple[Parameter, ...] = (
    P("patron_support", 0.5, 0.2, 0.8, "economic and diplomatic backing from outside patrons",
      "set by each scenario", group=_I),
    P("regional_dependence", 0.5, 0.2, 0.8, "neighbours' dependence on the government (oil, trade, votes)",
      "set by each scenario", group=_I),
    P("guarantee_credibility", 0.4, 0.1, 0.7, "how far negotiated guarantees (amnesty, exile) are believed",
      "set by each scenario", group=_S),
    P("legitimation", 0.5, 0.2, 0.8, "strength of the government's legitimation claims (revolutionary, "
      "anti-imperialist, nationalist)", "set by each scenario; Grauvogel & von Soest 2014", group=_I),
    P("linkage", 0.4, 0.1, 0.7, "economic, social and political ties to the states that sanction it",
      "set by each scenario; Levitsky & Way 2010", group=_I),
    P("personalism", 0.5, 0.2, 0.8, "how personalist the rule is (1 personalist; 0 party or military institutions)",
      "set by each scenario; Geddes, Wright & Frantz 2014", group=_S),
    P("dialogue_offer", 0.4, 0.1, 0.7, "what a negotiation offers the challengers that they can unite "
      "behind (credible elections, releases)", "set by each scenario", group=_C),
    P("security_ties", 0.5, 0.2, 0.8, "how far the security forces are bound to the rulers by ties "
      "other than pay: shared ethnicity, sect, party or family, a history in the ruling movement "
      "(0 a professional force with a corporate identity of its own; 1 a patrimonial force)",
      "set by each scenario; Bellin 2012 (patrimonial militaries stood by their rulers in 2011, "
      "institutionalized ones could afford to defect); Lee 2015", group=_S),
    P("resource_base", 0.5, 0.2, 0.8, "revenue the rulers can draw, at normal output, from "
      "production and trade they control, licit or illicit (oil, gas, minerals, state firms, "
      "smuggling); 0 none, 1 abundant", "set by each scenario; Ross 2012 (oil revenue and the "
      "durability of autocracies)", group=_E),
)
del P

DEFAULTED_KEYS: dict[str, tuple[float, float, float]] = {
    "initial.security": (0.7, 0.5, 0.9),
    "initial.exposure": (0.5, 0.2, 0.8),
    **{f"context.{p.name}": (p.default, p.low, p.high) for p in CONTEXT_PARAMETERS
       if p.name in ("legitimation", "linkage", "personalism", "dialogue_offer",  # 2nd edition
                     "security_ties", "resource_base")},                          # 3rd edition
}
"""Keys a file written for an earlier edition lacks, with the (value, low, high) it then gets.

``context.indictment_exposure`` of the first edition is read as ``initial.exposure``.
"""

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
