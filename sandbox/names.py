"""Word lists for the demo portfolio: customers, people, services, costs and internal projects.

Fictitious throughout; any resemblance to a real firm is a coincidence of common English words.
"""

from __future__ import annotations

# Customer names are "<prefix> <sector> <legal suffix>": 100 x 50 combinations before regional variants.
COMPANY_PREFIXES: tuple[str, ...] = (
    "Northwind", "Bluefin", "Ironbark", "Silverline", "Redwood", "Harbourview", "Summit", "Granite",
    "Lakeshore", "Brightwater", "Copperleaf", "Evergreen", "Falconridge", "Greenfield", "Highland",
    "Juniper", "Keystone", "Larkspur", "Maplewood", "Nightingale", "Oakmont", "Pinecrest", "Quarry",
    "Riverbend", "Stonebridge", "Thornfield", "Upland", "Valemont", "Westbrook", "Yellowstone",
    "Alder", "Beacon", "Cedar", "Driftwood", "Elmstead", "Foxglove", "Goldcrest", "Hawthorn",
    "Ivybridge", "Jasper", "Kingsway", "Lindenhof", "Meridian", "Newhaven", "Orchard", "Pemberton",
    "Quayside", "Rosewood", "Saltmarsh", "Tidewater", "Ulster", "Vantage", "Windmere", "Ashgrove",
    "Birchwood", "Clearwater", "Dunmore", "Eastgate", "Fairhaven", "Glenrock", "Hollowell", "Inverness",
    "Kestrel", "Lowland", "Moorfield", "Northgate", "Osprey", "Parkside", "Ravenscroft", "Seabright",
    "Tamarack", "Underhill", "Verity", "Wexford", "Arcadia", "Bramble", "Calder", "Deerfield",
    "Emberton", "Fernhill", "Galeforce", "Heron", "Iris", "Kinross", "Lantern", "Marlow", "Nordic",
    "Oriel", "Pioneer", "Regent", "Sterling", "Trident", "Unity", "Vesper", "Wolfram", "Zephyr",
    "Atlas", "Borealis", "Cobalt", "Solstice",
)  # fmt: skip
COMPANY_SECTORS: tuple[tuple[str, str], ...] = (
    ("Logistics", "Logistics"), ("Analytics", "Software"), ("Manufacturing", "Manufacturing"),
    ("Foods", "Food & Beverage"), ("Energy", "Energy"), ("Health", "Healthcare"), ("Retail", "Retail"),
    ("Robotics", "Industrial Automation"), ("Insurance", "Insurance"), ("Capital", "Financial Services"),
    ("Pharma", "Pharmaceuticals"), ("Telecom", "Telecommunications"), ("Mobility", "Automotive"),
    ("Textiles", "Apparel"), ("Media", "Media"), ("Labs", "Biotechnology"), ("Systems", "Software"),
    ("Engineering", "Engineering"), ("Freight", "Logistics"), ("Water", "Utilities"),
    ("Aerospace", "Aerospace"), ("Construction", "Construction"), ("Chemicals", "Chemicals"),
    ("Hotels", "Hospitality"), ("Outdoor", "Retail"), ("Medical", "Medical Devices"),
    ("Semiconductors", "Electronics"), ("Agritech", "Agriculture"), ("Marine", "Shipping"),
    ("Learning", "Education"), ("Payments", "Financial Services"), ("Security", "Security"),
    ("Packaging", "Packaging"), ("Properties", "Real Estate"), ("Instruments", "Electronics"),
    ("Motors", "Automotive"), ("Bank", "Banking"), ("Clinics", "Healthcare"), ("Games", "Entertainment"),
    ("Furniture", "Consumer Goods"), ("Cosmetics", "Consumer Goods"), ("Steel", "Metals"),
    ("Paper", "Forestry"), ("Rail", "Transportation"), ("Airlines", "Airlines"), ("Solar", "Energy"),
    ("Dairy", "Food & Beverage"), ("Publishing", "Publishing"), ("Travel", "Travel"),
    ("Brewing", "Food & Beverage"),
)  # fmt: skip
REGIONS: tuple[str, ...] = (
    "Nordic",
    "Iberia",
    "Benelux",
    "Pacific",
    "Atlantic",
    "Alpine",
    "Midwest",
    "Baltic",
)
# legal suffix, country, weight: mostly US customers, as most deals are in USD
LEGAL_FORMS: tuple[tuple[str, str, int], ...] = (
    ("Inc.", "United States", 30), ("LLC", "United States", 20), ("Corp.", "United States", 10),
    ("GmbH", "Germany", 10), ("Ltd", "United Kingdom", 10), ("B.V.", "Netherlands", 6),
    ("SAS", "France", 5), ("AB", "Sweden", 4), ("Pty Ltd", "Australia", 5),
)  # fmt: skip

# Parent companies billed instead of the CRM customer in the deliberate "conflict" problems.
HOLDING_WORDS: tuple[str, ...] = (
    "Acme", "Consolidated", "Amalgamated", "Paragon", "Sovereign", "Imperial", "Dominion", "Pinnacle",
    "Crown", "Monarch", "Continental", "Universal", "Allied", "Federal", "Premier", "Apex", "Titan",
    "Colossus", "Majestic", "Vanguard", "Integra", "Omnia", "Zenith", "Polaris", "Orion", "Helix",
    "Argent", "Bastion", "Citadel", "Dynasty", "Empire", "Fortis", "Gemini", "Hyperion", "Legacy",
    "Mercury", "Nexus", "Olympus", "Prospera", "Quantum",
)  # fmt: skip
HOLDING_FORMS: tuple[str, ...] = (
    "Holdings plc",
    "Group AG",
    "Capital Partners LLC",
    "Industries SE",
    "Group Ltd",
)

FIRST_NAMES: tuple[str, ...] = (
    "Anna", "Ben", "Clara", "David", "Elena", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Katrin", "Liam",
    "Maya", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Samuel", "Tara", "Umar", "Vera", "William", "Xenia",
    "Yusuf", "Zoe", "Aaron", "Bianca", "Carlos", "Dana", "Erik", "Fatima", "George", "Hannah", "Ivan",
    "Julia", "Kevin", "Laura", "Marco", "Nina", "Oscar", "Priya", "Rafael", "Sofia", "Tom", "Ulla",
    "Victor", "Wendy", "Yara", "Leon", "Mia", "Emil", "Sara", "Daniel", "Lea", "Jakob", "Chloe", "Mateo",
    "Amelia", "Lucas",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Anderson", "Becker", "Carter", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ivanova", "Jensen",
    "Keller", "Lopez", "Meyer", "Nielsen", "O'Brien", "Petrov", "Quintero", "Rossi", "Schmidt", "Taylor",
    "Usman", "Varga", "Wagner", "Young", "Zimmermann", "Bauer", "Clarke", "Davies", "Eriksen", "Fontaine",
    "Gruber", "Hughes", "Iversen", "Johansson", "Kowalski", "Lindqvist", "Morgan", "Novak", "Olsen",
    "Patel", "Reyes", "Santos", "Thompson", "Ueda", "Vogel", "Walsh", "Yilmaz", "Brennan", "Costa",
    "Dietrich", "Engel", "Ferreira", "Hoffmann", "Kruger", "Lambert", "Moreau", "Nakamura", "Park",
    "Richter", "Sato", "Turner", "Weber", "Kim", "Silva", "Murphy", "Larsen", "Berg", "Martin",
    "Novotny", "Horvath",
)  # fmt: skip
JOB_TITLES: tuple[str, ...] = (
    "CTO", "Head of IT", "VP Engineering", "Procurement Manager", "Operations Director", "CFO",
    "Product Owner", "Head of Data", "IT Project Manager", "Chief Digital Officer", "Plant Manager",
    "Head of Marketing",
)  # fmt: skip
OWNER_TEAMS: tuple[str, ...] = ("Enterprise", "Mid-market", "Partnerships")

# service -> (typical amount in USD, milestone names). Amounts are drawn around the typical value.
SERVICES: dict[str, tuple[int, tuple[str, ...]]] = {
    "Data platform rebuild": (160_000, ("Architecture sign-off", "Ingestion live", "Warehouse cut-over")),
    "ERP integration": (90_000, ("Interface spec", "Test integration", "Go-live")),
    "Website relaunch": (45_000, ("Design approved", "Content migration", "Launch")),
    "Mobile app MVP": (70_000, ("Clickable prototype", "Beta release", "Store release")),
    "Cloud migration": (120_000, ("Landing zone", "Wave 1 migrated", "Data centre exit")),
    "Predictive maintenance pilot": (60_000, ("Sensor data access", "Model v1", "Pilot review")),
    "Customer portal": (85_000, ("UX concept", "Portal beta", "Go-live")),
    "Security audit": (25_000, ("Scope agreed", "Findings report", "Retest")),
    "BI dashboards": (35_000, ("KPI workshop", "Dashboard release", "Handover")),
    "PLC retrofit": (140_000, ("Factory acceptance test", "Installation", "Site acceptance test")),
    "Warehouse automation study": (30_000, ("Site survey", "Options paper", "Business case")),
    "E-commerce replatforming": (180_000, ("Catalogue migrated", "Checkout live", "Hypercare end")),
    "CRM rollout": (55_000, ("Process design", "Pilot team live", "Company-wide rollout")),
    "Digital twin prototype": (95_000, ("3D model", "Live data feed", "Demo to board")),
    "API platform": (110_000, ("Gateway live", "First partner onboarded", "Developer portal")),
    "Machine vision QA line": (210_000, ("Camera setup", "Model accuracy target", "Line handover")),
    "Brand and UX refresh": (40_000, ("Research readout", "Design system", "Rollout")),
    "Support retainer": (24_000, ("Onboarding", "Quarterly review", "Renewal review")),
    "Embedded firmware update": (65_000, ("Spec freeze", "Field test", "Release")),
    "IoT fleet tracking": (130_000, ("Hardware pilot", "Dashboard live", "Fleet rollout")),
}
FOLLOW_ON_SUFFIX = " (phase 2)"

# Line item templates: (name, unit price or None for a fixed fee). Day rates make quantities whole days.
LINE_ITEM_FIXED: tuple[str, ...] = (
    "Implementation – fixed fee", "Project management", "Discovery workshop", "Licences",
    "Hardware and materials", "Hypercare support", "Training sessions",
)  # fmt: skip
LINE_ITEM_DAY_RATES: tuple[tuple[str, int], ...] = (
    ("Senior consultant days", 1_400),
    ("Developer days", 950),
    ("Engineer days", 1_100),
    ("Designer days", 900),
)

SCOPE_PHRASES: tuple[str, ...] = (
    "Fixed-fee delivery in three phases; client provides test data and a product owner.",
    "Time and materials with a not-to-exceed cap; weekly status reports.",
    "Includes two training sessions and 30 days of hypercare after go-live.",
    "Excludes hardware procurement; client hosts the production environment.",
    "Milestone billing on acceptance of each deliverable.",
    "Discovery first, then build; change requests priced separately.",
)  # fmt: skip
PROPOSAL_VERSIONS: tuple[str, ...] = ("v1", "v2", "v2.1", "v3", "v3.2", "v4")

NOTE_TEXTS: tuple[str, ...] = (
    "Call with {contact}: budget confirmed, decision expected this quarter.",
    "Sent revised proposal; {contact} asked for a phased plan.",
    "Workshop held on site. Key risk: access to legacy data.",
    "Legal review of the MSA done, minor redlines accepted.",
    "Kick-off scheduled; delivery lead introduced to {contact}.",
    "Competitor also shortlisted; we lead on references.",
    "Procurement asked for day rates and a payment plan.",
)  # fmt: skip
PRESALES_SUBJECTS: tuple[str, ...] = (
    "Pre-sales: solution design questions", "Pre-sales: security questionnaire", "Pre-sales: reference call",
    "Pre-sales: estimate review", "Pre-sales: demo environment access",
)  # fmt: skip
INCIDENT_SUBJECTS: tuple[str, ...] = (
    "Nightly sync failing", "Login errors for some users", "Report totals do not match", "Slow page loads",
    "Sensor data gap", "Export job timed out",
)  # fmt: skip
CHANGE_SUBJECTS: tuple[str, ...] = (
    "Add a second language", "Extra data source requested", "New approval step", "Additional dashboard",
    "Change of go-live date", "Extend scope to second site",
)  # fmt: skip

VENDORS: tuple[str, ...] = (
    "Kestrel Software Services s.r.o.", "Brightpath Subcontracting Ltd", "Nimbus Cloud Hosting Inc.",
    "Gridline Hardware GmbH", "Polyglot Translation LLC", "Sparrow UX Studio", "Tessellate Licensing Inc.",
    "Cobalt Test Labs B.V.",
)  # fmt: skip
OTHER_COSTS: tuple[str, ...] = (
    "Travel – client workshop", "Software licences", "Cloud hosting", "Hotel – on-site week",
    "Test devices", "Courier and shipping",
)  # fmt: skip
TIMESHEET_ACTIVITIES: tuple[str, ...] = (
    "Development", "Design", "Project management", "Testing", "Workshop", "Analysis", "Deployment",
)  # fmt: skip

INTERNAL_PROJECTS: tuple[str, ...] = (
    "Internal – Tooling", "Internal – Training", "Internal – Knowledge base", "Internal – Sales enablement",
    "Internal – Hiring and onboarding", "Internal – ISO 27001 certification", "Pre-sales pilot (cancelled)",
    "Internal – Research", "Internal – Office move",
)  # fmt: skip
