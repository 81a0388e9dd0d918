"""Plausible post texts for the sandbox, deterministic for a seed, and the real posts from the seeds."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# Links several groups share, so dedup by canonical link has something to find. Tracking
# parameters on some of them exercise canonicalisation.
SHARED_LINKS = [
    "https://labourleft.org/appeal/",
    "https://labourleft.org/2026/11/recall-conference-rally/",
    "https://www.youtube.com/watch?v=Gv6LiveStream",
    "https://www.youtube.com/watch?v=RecallRally2026",
    "https://labourleft.org/fringe-meetings/?utm_source=twitter&utm_medium=social",
    "https://www.theguardian.com/politics/2026/nov/20/labour-nec-ballot-left-slate",
    "https://www.morningstaronline.co.uk/article/reclaim-democracy-recall-conference",
    "https://labourleft.org/2026/10/grassroots-voice-gv6/?fbclid=IwAR0sandbox",
]

HASHTAGS = [
    "#GV6",
    "#GrassrootsVoice",
    "#ReclaimDemocracyRecallConference",
    "#GreenNewDeal",
    "#OurNHS",
    "#Budget2026",
    "#LiverpoolMayor",
    "#SolidarityForever",
    "#StrikeTogether",
]

OPENERS = [
    "Solidarity with the {union} strikers today",
    "Our {month} branch meeting is open to all members",
    "Great turnout at the {town} stall this morning",
    "Members are the Labour Party & they should have control over it",
    "Enough is enough! Let the members decide the fate and future of our party",
    "Join us on the picket line outside the {town} depot at 7am",
    "Reinstate Jeremy Corbyn",
    "Young Labour members are outraged by the clampdown on democracy in our party",
    "Motion passed unanimously at last night's meeting",
    "Register now to join the rally in advance of the NEC meeting",
    "Thank you to everyone who came to the {town} public meeting",
    "Read our statement on the latest suspensions",
    "There was nothing substantial for tackling poverty in today's budget",
    "We stand in full solidarity with the members of {town}",
]

ENDINGS = ["✊", "✊✊✊✊", "🔥", "🗳", "👇", "🌹", "", "", ""]
UNIONS = ["Unite", "RMT", "CWU", "FBU", "BFAWU", "UCU", "PCS", "NEU"]
TOWNS = [
    "Brent",
    "Bootle",
    "Cambridge",
    "Hexham",
    "Havant",
    "Sheffield",
    "Reading",
    "Ealing",
    "Streatham",
    "Newham",
    "Southampton",
    "Portsmouth",
    "Cardiff",
    "Carlisle",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# Greetings and slogans in the scripts members write in, so nothing assumes ASCII or Latin.
WORLD_LINES = [
    "التضامن مع العمال — solidarity with workers",
    "مزدوروں کے ساتھ یکجہتی",
    "শ্রমিকদের সাথে সংহতি",
    "Αλληλεγγύη στους απεργούς",
    "工人团结起来",
    "ਮਜ਼ਦੂਰ ਏਕਤਾ ਜ਼ਿੰਦਾਬਾਦ",
    "Undod â'r gweithwyr — Cymru",
    "Солідарність з профспілками",
]
LONG_PARAGRAPH = (
    "We urgently need a way of bringing together the wide range of new and existing organisations "
    "in our movement – groups organising in communities and workplaces, unions, constituency-based "
    "left groups, mutual aid networks. Not yet another organisation with leadership aspirations. "
    "Instead we need something new and different – a grassroots umbrella network, run democratically "
    "by its supporting bodies, to coordinate our actions and our demands, to support and act in "
    "solidarity with each other."
)


@dataclass
class Draft:
    """A post's content before a network gives it an id and a shape."""

    text: str
    links: list[str] = field(default_factory=list)
    image: bool = False
    thread: list[str] = field(default_factory=list)


def draft_post(rng: random.Random) -> Draft:
    """One plausible post of a local left group."""
    text = rng.choice(OPENERS).format(
        union=rng.choice(UNIONS), town=rng.choice(TOWNS), month=rng.choice(MONTHS)
    )
    roll = rng.random()
    if roll < 0.08:
        text += ". " + LONG_PARAGRAPH + " " + LONG_PARAGRAPH
    elif roll < 0.16:
        text += "\n\n" + rng.choice(WORLD_LINES)
    if rng.random() < 0.5:
        text += " " + " ".join(rng.sample(HASHTAGS, rng.randint(1, 2)))
    text += (" " + rng.choice(ENDINGS)).rstrip()
    links = [rng.choice(SHARED_LINKS)] if rng.random() < 0.35 else []
    thread = []
    if rng.random() < 0.05:
        parts = 3
        thread = [
            f"{text} ({i}/{parts})"
            if i == 1
            else f"{rng.choice(OPENERS).format(union='Unite', town='Brent', month='May')} ({i}/{parts})"
            for i in range(1, parts + 1)
        ]
    return Draft(text=text, links=links, image=rng.random() < 0.25, thread=thread)


# The real posts quoted in the network's pages, placed on the Labour Left Alliance's accounts at
# these offsets (hours before the sandbox's start).
GV6_ORDER_POST = """Tomorrow, ballots for Labour's NEC will start arriving. We have negotiated a united left slate for the CLP positions via the CLGA, named #GrassrootsVoice. To maximise our chances of getting left reps elected, the CLGA is recommending the following regional voting for the #GV6 in this order:

If you're in the Northern or South West party regions, we recommend voting in the following order:

1. Laura Pidcock
2. Ann Henderson
3. Mish Rahman
4. Gemma Bolton
5. Nadia Jama
6. Yasmine Dar

If you're in Yorkshire & the Humber, East Midlands or West London, we recommend voting in the following order:

1. Nadia Jama
2. Laura Pidcock
3. Ann Henderson
4. Mish Rahman
5. Yasmine Dar
6. Gemma Bolton

Vote #GV6, your grassroots voice for socialism."""

SEED_POSTS: list[tuple[int, Draft]] = [
    (300, Draft(GV6_ORDER_POST)),
    (
        200,
        Draft(
            "Ballots drop tomorrow. Check your inbox & vote #GV6:\n\n🗳Nadia Jama\n🗳Laura Pidcock\n"
            "🗳Mish Rahman\n🗳Gemma Bolton\n🗳Ann Henderson\n🗳Yasmine Dar\n\nYour #Grassroots Voice for the NEC."
        ),
    ),
    (
        150,
        Draft(
            "Members are the Labour Party & they should have control over it. When we talk about control, "
            "it's often misinterpreted. Control is fundamentally about democracy. (1/8) Vote #GV6",
            thread=[
                "Members are the Labour Party & they should have control over it. (1/8) Vote #GV6",
                "Control is fundamentally about democracy. (2/8)",
                "This is a very important principle to many Labour members. Why is it so important? (3/8)",
            ],
        ),
    ),
    (
        120,
        Draft(
            "Register now to join the rally in advance of NEC Organising Committee meeting on March 11th "
            "which will be debating the motion to #ReclaimDemocracyRecallConference",
            links=["https://labourleft.org/2026/11/recall-conference-rally/"],
        ),
    ),
    (
        30,
        Draft(
            "FYI there's a slight delay to our socialist Telly slot. It will go out at 7:30pm not 7pm tonight",
            links=["https://www.youtube.com/watch?v=RecallRally2026"],
        ),
    ),
    (
        20,
        Draft(
            "Labour Left Alliance at conference: Sunday JVL meeting 5.30pm, Monday LRC meeting 6.30pm, "
            "Tuesday LAW meeting 7.00pm, Wednesday LLA supporters meeting 3.00pm. Do try to get to one!"
        ),
    ),
]
SEED_GROUP = "labour-left-alliance"
