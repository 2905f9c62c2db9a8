"""The demo customers' tables: places, names, industries and how often each kind
of record occurs (weights). demo.customers and demo.opportunities draw from them."""

# The tables below are data, kept compact rather than one item per line.
# fmt: off
# city, region, country, postal prefixes, phone area code, weight (~population)
CITIES = (
    ("Berlin", "Berlin", "Germany", ("10", "12", "13"), "30", 37),
    ("Hamburg", "Hamburg", "Germany", ("20", "21", "22"), "40", 19),
    ("München", "Bayern", "Germany", ("80", "81"), "89", 15),
    ("Köln", "Nordrhein-Westfalen", "Germany", ("50", "51"), "221", 11),
    ("Frankfurt am Main", "Hessen", "Germany", ("60",), "69", 8),
    ("Stuttgart", "Baden-Württemberg", "Germany", ("70",), "711", 6),
    ("Düsseldorf", "Nordrhein-Westfalen", "Germany", ("40",), "211", 6),
    ("Leipzig", "Sachsen", "Germany", ("04",), "341", 6),
    ("Dortmund", "Nordrhein-Westfalen", "Germany", ("44",), "231", 6),
    ("Essen", "Nordrhein-Westfalen", "Germany", ("45",), "201", 6),
    ("Bremen", "Bremen", "Germany", ("28",), "421", 6),
    ("Dresden", "Sachsen", "Germany", ("01",), "351", 6),
    ("Hannover", "Niedersachsen", "Germany", ("30",), "511", 5),
    ("Nürnberg", "Bayern", "Germany", ("90",), "911", 5),
    ("Duisburg", "Nordrhein-Westfalen", "Germany", ("47",), "203", 5),
    ("Bochum", "Nordrhein-Westfalen", "Germany", ("44",), "234", 4),
    ("Wuppertal", "Nordrhein-Westfalen", "Germany", ("42",), "202", 3),
    ("Bielefeld", "Nordrhein-Westfalen", "Germany", ("33",), "521", 3),
    ("Bonn", "Nordrhein-Westfalen", "Germany", ("53",), "228", 3),
    ("Münster", "Nordrhein-Westfalen", "Germany", ("48",), "251", 3),
    ("Mannheim", "Baden-Württemberg", "Germany", ("68",), "621", 3),
    ("Karlsruhe", "Baden-Württemberg", "Germany", ("76",), "721", 3),
    ("Augsburg", "Bayern", "Germany", ("86",), "821", 3),
    ("Wiesbaden", "Hessen", "Germany", ("65",), "611", 3),
    ("Kiel", "Schleswig-Holstein", "Germany", ("24",), "431", 2),
    ("Magdeburg", "Sachsen-Anhalt", "Germany", ("39",), "391", 2),
    ("Freiburg im Breisgau", "Baden-Württemberg", "Germany", ("79",), "761", 2),
    ("Rostock", "Mecklenburg-Vorpommern", "Germany", ("18",), "381", 2),
    ("Erfurt", "Thüringen", "Germany", ("99",), "361", 2),
    ("Mainz", "Rheinland-Pfalz", "Germany", ("55",), "6131", 2),
    ("Saarbrücken", "Saarland", "Germany", ("66",), "681", 2),
    ("Potsdam", "Brandenburg", "Germany", ("14",), "331", 2),
    ("Regensburg", "Bayern", "Germany", ("93",), "941", 2),
    ("Ulm", "Baden-Württemberg", "Germany", ("89",), "731", 1),
)
# A few customers abroad: city, region, country, postal code pattern, phone prefix,
# legal forms, street list, weight.
ABROAD = (
    ("Wien", "Wien", "Austria", "1{0}{1}0", "+43 1", ("GmbH", "KG"), "de", 4),
    ("Graz", "Steiermark", "Austria", "80{0}{1}", "+43 316", ("GmbH",), "de", 1),
    ("Zürich", "Zürich", "Switzerland", "80{0}{1}", "+41 44", ("AG", "GmbH"), "de", 3),
    ("Basel", "Basel-Stadt", "Switzerland", "40{0}{1}", "+41 61", ("AG",), "de", 1),
    ("Amsterdam", "Noord-Holland", "Netherlands", "10{0}{1} AB", "+31 20", ("B.V.",), "nl", 2),  # noqa: E501
    ("Rotterdam", "Zuid-Holland", "Netherlands", "30{0}{1} CD", "+31 10", ("B.V.",), "nl", 1),  # noqa: E501
    ("Paris", "Île-de-France", "France", "750{0}{1}", "+33 1", ("SAS",), "fr", 2),
    ("Milano", "Lombardia", "Italy", "201{0}{1}", "+39 02", ("S.r.l.", "S.p.A."), "it", 1),  # noqa: E501
    ("Warszawa", "Mazowieckie", "Poland", "00-{0}{1}1", "+48 22", ("Sp. z o.o.",), "pl", 1),  # noqa: E501
    ("Praha", "Praha", "Czechia", "110 {0}{1}", "+420 2", ("s.r.o.",), "cz", 1),
)
ABROAD_SHARE = 0.07

STREETS = {
    "de": (
        "Hauptstraße", "Bahnhofstraße", "Schulstraße", "Gartenstraße", "Dorfstraße",
        "Bergstraße", "Kirchstraße", "Waldstraße", "Ringstraße", "Lindenallee",
        "Birkenweg", "Feldweg", "Mühlenweg", "Parkstraße", "Wiesenweg",
        "Industriestraße", "Goethestraße", "Schillerstraße", "Kantstraße",
        "Mozartstraße", "Beethovenstraße", "Friedrich-Ebert-Straße",
        "Konrad-Adenauer-Ring", "Am Markt", "Gewerbering", "Hafenstraße",
    ),
    "nl": ("Keizersgracht", "Herengracht", "Stationsweg", "Kerkstraat", "Dorpsstraat"),
    "fr": ("Rue de la République", "Avenue Victor Hugo", "Rue du Commerce",
           "Boulevard Voltaire"),
    "it": ("Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante"),
    "pl": ("ulica Marszałkowska", "ulica Długa", "aleja Niepodległości"),
    "cz": ("Národní", "Vodičkova", "Karlova", "Na Příkopě"),
}
FEMALE = (
    "Anna", "Maria", "Laura", "Julia", "Lena", "Sarah", "Lisa", "Katharina", "Sophie",
    "Hannah", "Lea", "Johanna", "Claudia", "Sabine", "Petra", "Monika", "Andrea",
    "Susanne", "Nicole", "Stefanie", "Birgit", "Sandra", "Christina", "Elif", "Aylin",
    "Natalia", "Ewa",
)
MALE = (
    "Thomas", "Michael", "Andreas", "Stefan", "Christian", "Markus", "Peter",
    "Alexander", "Daniel", "Jan", "Tobias", "Felix", "Lukas", "Jonas", "Maximilian",
    "Paul", "Frank", "Jürgen", "Uwe", "Klaus", "Matthias", "Sebastian", "Emre",
    "Mehmet", "Piotr", "Luca", "Marco",
)
SURNAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
    "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann",
    "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier", "Lehmann",
    "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer",
    "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung",
    "Hahn", "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler",
    "Roth", "Beck", "Lorenz", "Baumann", "Yilmaz", "Kaya", "Nowak", "Kowalski",
)
PLACE_PREFIXES = (
    "Nord", "Süd", "West", "Ost", "Rhein", "Elb", "Alpen", "Main", "Spree", "Isar",
    "Hanse", "Donau", "Weser", "Harz", "Ruhr", "Neckar",
)
INDUSTRY_WORDS = {
    "retail": ("Handel", "Warenhaus", "Markt", "Fachhandel"),
    "manufacturing": ("Maschinenbau", "Metallbau", "Fertigung", "Werkzeugbau",
                      "Kunststofftechnik"),
    "healthcare": ("Medizintechnik", "Pflegedienst", "Praxisbedarf", "Klinikbedarf"),
    "education": ("Akademie", "Bildungswerk", "Sprachschule", "Schulungszentrum"),
    "hospitality": ("Hotel", "Gastronomie", "Catering", "Gasthaus"),
    "technology": ("Software", "IT-Systeme", "Digital", "Systemhaus", "Datentechnik"),
    "construction": ("Bau", "Hochbau", "Bauunternehmung", "Dachtechnik", "Haustechnik"),
    "finance": ("Finanzberatung", "Vermögensverwaltung", "Steuerberatung"),
    "logistics": ("Logistik", "Spedition", "Transporte", "Kurierdienst"),
    "public_sector": ("Stadtwerke", "Zweckverband", "Kreiskliniken", "Wasserverband"),
    "consumer": ("Versandhandel", "Mode", "Feinkost", "Reisen"),
    "other": ("Dienstleistungen", "Service", "Consulting", "Partner"),
}
INDUSTRY_WEIGHTS = {
    "retail": 16, "manufacturing": 15, "technology": 12, "construction": 10,
    "healthcare": 9, "hospitality": 9, "logistics": 8, "education": 5, "finance": 5,
    "consumer": 4, "other": 4, "public_sector": 3,
}
LEGAL_FORMS = {
    "GmbH": 55, "GmbH & Co. KG": 12, "KG": 8, "AG": 6, "e.K.": 6,
    "UG (haftungsbeschränkt)": 5, "GbR": 5, "OHG": 3,
}
CHANNEL_WEIGHTS = {
    "company": {
        "website": 26, "referral": 20, "event": 14, "cold_outreach": 12,
        "advertising": 10, "partner": 12, "other": 6,
    },
    "individual": {
        "website": 40, "advertising": 25, "referral": 20, "event": 5, "partner": 2,
        "cold_outreach": 3, "other": 5,
    },
}
AGE_BANDS = {"18-24": 8, "25-34": 20, "35-44": 22, "45-54": 22, "55-64": 17, "65+": 11}
GENDERS = {"female": 48, "male": 48, "other": 1, "undisclosed": 3}
OCCUPATIONS = (
    "Teacher", "Nurse", "Engineer", "Electrician", "Physician", "Accountant",
    "Designer", "Student", "Retired", "Pharmacist", "Software developer", "Lawyer",
    "Chef", "Photographer", "Architect", "Carpenter", "Consultant", "Civil servant",
    "Shop owner", "Farmer",
)
TAGS = {
    "newsletter": 30, "vip": 8, "wholesale": 10, "key account": 6, "trade fair": 8,
    "price sensitive": 10, "eco": 6, "prefers phone": 8, "prefers e-mail": 8,
    "quarterly review": 5, "reseller": 5, "b2b portal": 6,
}
TITLES = (
    "Managing Director", "Head of Purchasing", "Purchasing Manager", "Office Manager",
    "Head of Operations", "Accounts Payable", "IT Manager", "Sales Manager",
    "Project Lead", "Assistant to the Board", "Facility Manager", "Head of Marketing",
)
TOPICS = (
    "the new price list", "a repeat order", "delivery times", "the annual contract",
    "a product demo", "payment terms", "the spring promotion", "an open invoice",
    "a late delivery", "volume discounts", "the trade fair", "a quote", "spare parts",
    "the service agreement", "a catalogue request",
)
SUMMARIES = {
    "call": ("Called {who} about {topic}.", "{who} called about {topic}."),
    "email": ("Sent {who} details on {topic}.", "E-mail from {who} about {topic}."),
    "meeting": ("Met {who} on site to discuss {topic}.",
                "Video meeting with {who} about {topic}."),
    "note": ("{who} is interested in {topic}.", "Remember {topic} next time."),
}
KINDS = {"call": 40, "email": 32, "meeting": 15, "note": 13}
OUTCOMES = {
    "": 25, "Interested": 15, "Sent a quote": 12, "Call back next month": 12,
    "No need at the moment": 10, "Order expected": 10, "Left a voicemail": 8,
    "Ordered": 8,
}
TASK_TITLES = (
    "Send a quote to {name}", "Call {name} about the renewal",
    "Prepare the visit at {name}", "Check the payment from {name}",
    "Send the new catalogue to {name}", "Ask {name} for a reference",
)
NOTES = (
    "Prefers deliveries before 10 am.", "Budget decisions are made in Q4.",
    "Asked for a volume discount.", "Invoices to the accounts department, please.",
    "Long-standing customer; handle with care.", "Closed in August.",
    "Only orders through the web shop.", "Interested in the premium range.",
)
INTERACTION_COUNTS = {
    0: 8, 1: 12, 2: 14, 3: 14, 4: 12, 5: 10, 6: 10, 8: 8, 10: 7, 12: 5,
}
CONTACT_COUNTS = {0: 15, 1: 40, 2: 30, 3: 15}
TAG_COUNTS = {0: 45, 1: 30, 2: 18, 3: 7}
# fmt: on
