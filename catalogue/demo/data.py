"""The demo catalogue: a research publisher's reports on health, care and public services.

Stock is the level the loader brings each publication to (through the ledger) the first
time; a publication already in the database keeps whatever stock it has.
"""

TOPICS = [
    ("Leadership", "leadership"),
    ("Health and care services", "health-care"),
    ("Workforce", "workforce"),
    ("Public finance", "public-finance"),
    ("Digital and data", "digital"),
    ("Social care", "social-care"),
    ("Mental health", "mental-health"),
    ("Quality and safety", "quality-safety"),
    ("Communities and inequalities", "communities"),
]

# Comments the demo once made up for the publisher's real page; the loader removes them from
# databases that still have them (the page's real comments come from import_pages).
RETIRED_COMMENTS = [("9781909029088", "Dr Sarah Okafor"), ("9781909029088", "James Whitcombe")]

PUBLICATIONS = [
    {
        "isbn": "9781909029088",
        "title": "Patient-centred leadership",
        "subtitle": "Rediscovering our purpose",
        "authors": [],  # the publisher's page names none
        "topics": ["leadership", "quality-safety"],
        "published": None,  # nor gives a date
        "pages": 52,
        "price": "8.50",
        "stock": 120,
        # The publisher's own text, as on its page (../shared/seeds/): `make run` imports that page
        # with its comments when the folder is there, and this is the same text without it.
        "summary": (
            "This report summarises the main findings of the Francis Inquiry into the failings of care at Mid"
            " Staffordshire in relation to NHS leadership and culture. It sets out what needs to be done to "
            "avoid similar failures in future, focusing on the role of three key 'lines of defence' against "
            "poor-quality care: frontline clinical teams, the boards leading NHS organisations, and national "
            "organisations responsible for overseeing the commissioning, regulation and provision of care.\n\n"
            "The report presents findings from The King's Fund's 2013 leadership survey. It also highlights "
            "the lessons that can be learnt from the experiences of high-performing health care organisations"
            " in other countries that have succeeded in developing effective leadership and a culture that "
            "puts patients' needs first."
        ),
        "key_findings": [
            (
                "The leadership of the NHS at a national level needs to create conditions in which local "
                "organisations have the freedom to deliver consistently high standards of care and where the "
                "needs of patients come first."
            ),
            (
                "The quality of care provided by NHS organisations should, first and foremost, be a corporate "
                "responsibility under the leadership of boards, who must lead by example by focusing on the "
                "quality and safety of care."
            ),
            (
                "Leaders need to value and support frontline staff and ensure the main focus is on patients and "
                "their care."
            ),
            (
                "Leadership development should give priority to supporting leaders at all levels to be patient-"
                "centred and to ensure that staff have the time and resources required to deliver high-quality "
                "care."
            ),
            (
                "Patient leaders should work alongside NHS leaders to support the transformation called for in "
                "the Francis Inquiry report."
            ),
        ],
        "policy_implications": (
            "The NHS at national level must shift the predominant organisational culture from one focused on "
            "meeting externally imposed standards and targets to one in which NHS leaders and frontline "
            "clinical teams are committed to improving care and putting patients' needs first, working "
            "together to access the support they need to do so.\n\n"
            "NHS organisations must abandon the traditional individualistic model of leadership and embrace a"
            " leadership style that is shared, distributed and adaptive. Board members in particular are "
            "responsible for setting the tone for their organisational culture, and should do more to "
            "actively seek and listen to the views of patients, governors, commissioners and staff."
        ),
    },
    {
        "isbn": "9781909029019",
        "title": "The NHS workforce in numbers",
        "subtitle": "Facts, trends and the questions they raise",
        "authors": ["Anita Charlesworth", "Hugh Alderwick"],
        "topics": ["workforce", "public-finance"],
        "published": "2013-03-04",
        "pages": 64,
        "price": "10.00",
        "stock": 85,
        "summary": (
            "A compact guide to who works in the health service, how the workforce has changed over a decade and "
            "where the pressures are building: nursing vacancies, an ageing GP workforce and growing reliance on "
            "temporary staff."
        ),
        "key_findings": [
            "The number of hospital consultants has grown much faster than the number of GPs.",
            "Spending on agency staff has risen sharply, concentrated in a minority of trusts.",
            "One in five nurses is aged over 50, creating a retirement bulge within a decade.",
        ],
        "policy_implications": (
            "Workforce planning needs to be joined up with service and financial planning, and to look at least ten "
            "years ahead."
        ),
    },
    {
        "isbn": "9781909029026",
        "title": "Transforming mental health",
        "subtitle": "A plan of action for London",
        "authors": ["Helen Gilburt"],
        "topics": ["mental-health", "health-care"],
        "published": "2014-09-22",
        "pages": 88,
        "price": "12.00",
        "stock": 40,
        "summary": (
            "Mental health problems account for almost a quarter of the burden of disease, yet services receive a "
            "far smaller share of funding. This report sets out practical actions for commissioners and providers "
            "in the capital."
        ),
        "key_findings": [
            "People with severe mental illness die 15 to 20 years earlier than the general population.",
            "Crisis care is patchy, and too many people first reach help through police custody or A&E.",
            "Integrating physical and mental health care offers the largest gains for the least cost.",
        ],
        "policy_implications": (
            "Commissioners should pool budgets for physical and mental health and publish crisis care standards."
        ),
    },
    {
        "isbn": "9781909029033",
        "title": "Making the case for quality improvement",
        "subtitle": "Lessons for NHS boards and leaders",
        "authors": ["Dominique Allwood", "Chris Ham"],
        "topics": ["quality-safety", "leadership"],
        "published": "2017-02-10",
        "pages": 36,
        "price": "6.00",
        "stock": 8,
        "summary": (
            "Organisations that have embraced quality improvement share common features: sustained board "
            "commitment, a single method applied consistently, and investment in the skills of frontline staff."
        ),
        "key_findings": [
            "Improvement takes years, not months, and boards must protect it through financial pressure.",
            "Choosing one improvement method and sticking to it matters more than which method is chosen.",
            "Patients and carers should be partners in improvement work, not its subjects.",
        ],
        "policy_implications": "Regulators should recognise and reward a credible improvement approach in their assessments.",
    },
    {
        "isbn": "9781909029040",
        "title": "Social care funding explained",
        "subtitle": "",
        "authors": ["Simon Bottery", "Richard Humphries"],
        "topics": ["social-care", "public-finance"],
        "published": "2018-06-28",
        "pages": 44,
        "price": "7.50",
        "stock": 60,
        "summary": (
            "How adult social care is paid for, who pays, and why the system is under strain. A plain-language "
            "guide for councillors, journalists and families."
        ),
        "key_findings": [
            "Public spending on adult social care per person has fallen in real terms over the past decade.",
            "Self-funders often pay more than councils for the same care home place.",
            "Unpaid carers provide care worth more than the whole public budget for adult social care.",
        ],
        "policy_implications": "A lasting settlement needs cross-party agreement on how costs are shared between state and individual.",
    },
    {
        "isbn": "9781909029057",
        "title": "Digital change in health and social care",
        "subtitle": "What works, and what does not",
        "authors": ["Harry Evans", "Matthew Honeyman"],
        "topics": ["digital", "health-care"],
        "published": "2018-06-05",
        "pages": 72,
        "price": "10.00",
        "stock": 35,
        "summary": (
            "Drawing on case studies of electronic records, remote monitoring and online consultations, this "
            "report identifies what distinguishes digital projects that improve care from those that stall."
        ),
        "key_findings": [
            "Successful projects start from a clinical problem, not from a technology.",
            "Staff need protected time to learn new systems; training is routinely under-budgeted.",
            "Interoperability remains the single largest barrier to joined-up digital care.",
        ],
        "policy_implications": "National funding should follow local readiness and include money for change management, not only for licences.",
    },
    {
        "isbn": "9781909029064",
        "title": "Reimagining community services",
        "subtitle": "Making the most of our assets",
        "authors": ["Ben Collins", "Chris Naylor"],
        "topics": ["health-care", "communities"],
        "published": "2018-01-17",
        "pages": 60,
        "price": "9.00",
        "stock": 25,
        "summary": (
            "Community services employ a fifth of the health workforce yet are rarely the focus of policy. This "
            "report describes how community nursing, therapy and voluntary groups can be organised around neighbourhoods."
        ),
        "key_findings": [
            "Demand on district nursing has grown faster than any other service, largely unseen.",
            "Neighbourhood teams that share a caseload reduce hand-offs and duplicated visits.",
            "Voluntary and community groups are an under-used partner in keeping people well at home.",
        ],
        "policy_implications": "Community services need their own data set and a fair share of new investment.",
    },
    {
        "isbn": "9781909029071",
        "title": "Caring to change",
        "subtitle": "How compassionate leadership can stimulate innovation in health care",
        "authors": ["Michael West", "Suzie Bailey", "Emma Williams"],
        "topics": ["leadership", "workforce"],
        "published": "2017-05-24",
        "pages": 40,
        "price": "7.50",
        "stock": 5,
        "summary": (
            "Innovation flourishes where staff feel safe to speak up and try new ideas. This report explains how "
            "compassionate leadership creates those conditions and gives examples from teams that have done it."
        ),
        "key_findings": [
            "Psychological safety is the strongest predictor of team innovation.",
            "Leaders who listen with fascination, rather than judgement, hear about problems early.",
            "Innovation needs slack: teams stretched beyond capacity do not improve.",
        ],
        "policy_implications": "System leaders should treat staff wellbeing as a precondition of innovation, not a reward for it.",
    },
    {
        "isbn": "9781909029095",
        "title": "The health and care of older people in England",
        "subtitle": "",
        "authors": ["Age and Care Research Team"],
        "topics": ["social-care", "health-care"],
        "published": "2019-10-03",
        "pages": 96,
        "price": "15.00",
        "stock": 0,
        "summary": (
            "A statistical portrait of older people's health, the care they receive and the gaps between need and "
            "provision, using survey and administrative data."
        ),
        "key_findings": [
            "More than half of people over 75 live with two or more long-term conditions.",
            "An estimated 1.4 million older people have some unmet need for care.",
            "Emergency admissions of people over 85 have grown far faster than the population of that age.",
        ],
        "policy_implications": "Prevention and early support should be funded as a core service, not a pilot.",
    },
    {
        "isbn": "9781909029101",
        "title": "Money talks",
        "subtitle": "Understanding NHS finances",
        "authors": ["Siva Anandaciva", "Ben Jabbal"],
        "topics": ["public-finance"],
        "published": "2019-03-12",
        "pages": 56,
        "price": "8.50",
        "stock": 70,
        "summary": (
            "Where the money for the health service comes from, how it flows to hospitals and practices, and why "
            "deficits arise. Written for non-specialists who need to read a trust's accounts with confidence."
        ),
        "key_findings": [
            "Provider deficits reflect the funding settlement as much as local financial management.",
            "Capital budgets have repeatedly been raided to support day-to-day spending.",
            "Payment by results rewards activity, not outcomes or prevention.",
        ],
        "policy_implications": "Multi-year capital settlements and payment systems that reward population health are overdue.",
    },
    {
        "isbn": "9781909029118",
        "title": "Joined-up care",
        "subtitle": "Integrating health and social care in practice",
        "authors": ["Natasha Curry", "Chris Ham"],
        "topics": ["social-care", "health-care", "communities"],
        "published": "2016-11-08",
        "pages": 68,
        "price": "9.50",
        "stock": 45,
        "summary": (
            "Integration has been a policy goal for decades. This report looks at places that have made it real "
            "and what they did differently, from shared care records to joint commissioning."
        ),
        "key_findings": [
            "Integration is built through relationships and trust, not structural reorganisation.",
            "Pooled budgets help, but only where partners agree on shared outcomes first.",
            "Care co-ordinators who know the person are valued above any technology.",
        ],
        "policy_implications": "Give local partnerships time and stable funding; avoid another round of structural change.",
    },
    {
        "isbn": "9781909029125",
        "title": "Staff engagement",
        "subtitle": "Six building blocks for harnessing the creativity and enthusiasm of NHS staff",
        "authors": ["Michael West", "Jeremy Dawson"],
        "topics": ["workforce", "leadership"],
        "published": "2015-02-19",
        "pages": 32,
        "price": "6.50",
        "stock": 9,
        "summary": (
            "Engaged staff deliver better care. Drawing on the national staff survey, this report sets out six "
            "building blocks that organisations can use to raise engagement."
        ),
        "key_findings": [
            "Trusts with the most engaged staff have lower mortality and sickness absence.",
            "Good people management at team level matters more than organisation-wide initiatives.",
            "Staff health and wellbeing should be a board-level responsibility.",
        ],
        "policy_implications": "Staff survey results should inform regulation and leadership appointments.",
    },
    {
        "isbn": "9781909029132",
        "title": "Primary care under pressure",
        "subtitle": "Securing the future of general practice",
        "authors": ["Beccy Baird", "Anna Charles"],
        "topics": ["health-care", "workforce"],
        "published": "2016-05-04",
        "pages": 58,
        "price": "9.00",
        "stock": 55,
        "summary": (
            "General practice handles the large majority of patient contacts but its workload has grown faster "
            "than its workforce. This report examines the causes and proposes a way forward."
        ),
        "key_findings": [
            "Consultations have become longer and more complex as patients live with more conditions.",
            "Administrative work takes a rising share of GPs' time.",
            "Practices working at scale can offer wider teams, but scale alone does not improve access.",
        ],
        "policy_implications": "Funding must follow the shift of work from hospitals to general practice.",
    },
    {
        "isbn": "9781909029149",
        "title": "Learning from mistakes",
        "subtitle": "Patient safety in the NHS",
        "authors": ["Shilpa Ross", "Joni Jabbal"],
        "topics": ["quality-safety"],
        "published": "2016-09-14",
        "pages": 48,
        "price": "7.00",
        "stock": 30,
        "summary": (
            "Why do the same errors recur, and what do organisations that learn well do differently? A review of "
            "incident reporting, investigation and the culture around them."
        ),
        "key_findings": [
            "Investigations too often end in blame of individuals rather than changes to systems.",
            "Staff report more incidents where they see action taken on earlier reports.",
            "Families are rarely involved well in investigations into their relative's care.",
        ],
        "policy_implications": "Investigations should be independent, timely and focused on learning, with families involved from the start.",
    },
    {
        "isbn": "9781909029156",
        "title": "Health inequalities",
        "subtitle": "Our vision for tackling them",
        "authors": ["David Buck", "Lillie Wenzel"],
        "topics": ["communities"],
        "published": "2020-02-26",
        "pages": 52,
        "price": "8.00",
        "stock": 65,
        "summary": (
            "The gap in healthy life expectancy between the richest and poorest areas is around 19 years. This "
            "report sets out what health services, councils and communities can do together."
        ),
        "key_findings": [
            "Most of the gap is driven by social and economic conditions outside health care.",
            "Health services can still make a difference as employers, purchasers and anchors in their places.",
            "Targets on inequalities have worked when they were backed by funding and accountability.",
        ],
        "policy_implications": "A cross-government strategy with clear targets for reducing the gap in healthy life expectancy.",
    },
    {
        "isbn": "9781909029163",
        "title": "The public and the NHS",
        "subtitle": "What we ask of each other",
        "authors": ["Ruth Robertson", "Jessica Appleby"],
        "topics": ["health-care", "communities"],
        "published": "2017-10-30",
        "pages": 42,
        "price": "7.00",
        "stock": 40,
        "summary": (
            "What does the public expect from the health service, and what is the service entitled to expect of "
            "the public? Survey findings and deliberative workshops explore the relationship."
        ),
        "key_findings": [
            "Support for the founding principles of the NHS remains very strong.",
            "People are willing to take more responsibility for their health when given practical support.",
            "Trust is damaged most by long waits and poor communication, not by cost.",
        ],
        "policy_implications": "Any new 'deal' with the public must start with the service keeping its side of it.",
    },
    {
        "isbn": "9781909029170",
        "title": "Leadership in today's NHS",
        "subtitle": "Delivering the impossible",
        "authors": ["Nicola Walsh", "Chris Ham"],
        "topics": ["leadership"],
        "published": "2018-07-11",
        "pages": 50,
        "price": "8.00",
        "stock": 50,
        "summary": (
            "Interviews with chief executives and chairs describe the pressures of leading in the health service "
            "today and the support leaders say they need."
        ),
        "key_findings": [
            "Average tenure of chief executives is short, and vacancies are hard to fill.",
            "Leaders spend much of their time managing upwards to regulators.",
            "Peer support networks are highly valued but unevenly available.",
        ],
        "policy_implications": "National bodies should streamline oversight and invest in the leadership pipeline.",
    },
    {
        "isbn": "9781909029187",
        "title": "Children and young people's mental health",
        "subtitle": "Closing the gap",
        "authors": ["Helen Gilburt", "Josh Kitchener"],
        "topics": ["mental-health", "communities"],
        "published": "2021-04-20",
        "pages": 70,
        "price": "11.00",
        "stock": 28,
        "summary": (
            "Demand for children's mental health services has risen steeply. This report looks at waiting times, "
            "the role of schools and what early support can achieve."
        ),
        "key_findings": [
            "Only around one in three children with a diagnosable condition receives specialist care.",
            "Support in schools reaches children earlier and at lower cost.",
            "Transition to adult services is a point where many young people fall out of care.",
        ],
        "policy_implications": "Mental health support teams should be in every school, and services should run to age 25.",
    },
    {
        "isbn": "9781909029194",
        "title": "Data that matters",
        "subtitle": "Using information to improve care",
        "authors": ["Harry Evans"],
        "topics": ["digital", "quality-safety"],
        "published": "2020-08-18",
        "pages": 46,
        "price": "8.00",
        "stock": 22,
        "summary": (
            "Services collect vast amounts of data but use little of it to improve care. This report identifies "
            "the skills, tools and culture needed to turn data into insight."
        ),
        "key_findings": [
            "Analysts are a scarce and under-valued profession in health and care.",
            "Frontline teams use data most when it is timely and about their own patients.",
            "Public trust in data sharing depends on transparency about who uses data and why.",
        ],
        "policy_implications": "Invest in analytical capability and publish clear rules on data access.",
    },
    {
        "isbn": "9781909029200",
        "title": "A fork in the road",
        "subtitle": "Next steps for social care funding reform",
        "authors": ["Richard Humphries", "Simon Bottery"],
        "topics": ["social-care", "public-finance"],
        "published": "2021-05-13",
        "pages": 38,
        "price": "7.00",
        "stock": 3,
        "summary": (
            "Compares the main options for reforming how social care is funded, their costs and who gains, to "
            "help decision makers choose."
        ),
        "key_findings": [
            "A cap on care costs protects against catastrophic costs but does little for people with modest needs.",
            "Free personal care would cost more but is simpler and fairer.",
            "Every option requires more public money; the question is how it is raised.",
        ],
        "policy_implications": "Decide and legislate: a decade of reviews has left people without protection.",
    },
    {
        "isbn": "9781909029217",
        "title": "Waiting times explained",
        "subtitle": "",
        "authors": ["Danielle Jefferies"],
        "topics": ["health-care", "quality-safety"],
        "published": "2022-01-25",
        "pages": 34,
        "price": "6.00",
        "stock": 90,
        "summary": (
            "What the waiting-time standards are, how performance is measured and why waiting lists have grown. "
            "A reference for anyone following the figures each month."
        ),
        "key_findings": [
            "The waiting list has grown because demand outstripped capacity long before the pandemic.",
            "Bed occupancy above 92 per cent makes elective activity hard to protect.",
            "Waits are longer in more deprived areas.",
        ],
        "policy_implications": "Recovery plans need sustained capacity, not one-off initiatives.",
    },
    {
        "isbn": "9781909029224",
        "title": "Understanding integrated care systems",
        "subtitle": "A guide for board members",
        "authors": ["Sarah Reed", "Chris Naylor"],
        "topics": ["health-care", "leadership"],
        "published": "2022-07-01",
        "pages": 62,
        "price": "9.50",
        "stock": 48,
        "summary": (
            "Integrated care systems bring together NHS bodies, councils and partners in each area. This guide "
            "explains their duties, governance and how they differ across the country."
        ),
        "key_findings": [
            "Systems vary greatly in size, maturity and history of partnership working.",
            "Place-based partnerships are where much of the practical integration happens.",
            "Clarity of accountability between system and providers is still developing.",
        ],
        "policy_implications": "Allow systems freedom to develop locally and avoid piling on new national targets.",
    },
    {
        "isbn": "9781909029231",
        "title": "Nursing in the community",
        "subtitle": "Caring for people at home",
        "authors": ["Anna Charles", "Lillie Wenzel"],
        "topics": ["workforce", "health-care"],
        "published": "2019-06-06",
        "pages": 44,
        "price": "7.50",
        "stock": 33,
        "summary": (
            "District nurses care for growing numbers of people with complex needs at home. This report "
            "describes their work and the pressures they face."
        ),
        "key_findings": [
            "The number of qualified district nurses has fallen while caseloads have grown.",
            "Much district nursing work is invisible to commissioners because it is not measured.",
            "Nurses value continuity with patients, which stretched teams struggle to provide.",
        ],
        "policy_implications": "Safe caseload guidance and investment in the district nursing workforce.",
    },
    {
        "isbn": "9781909029248",
        "title": "Volunteering in health and care",
        "subtitle": "Securing a sustainable future",
        "authors": ["Chris Naylor", "Ben Collins"],
        "topics": ["communities", "workforce"],
        "published": "2013-11-20",
        "pages": 54,
        "price": "8.00",
        "stock": 12,
        "summary": (
            "Around three million people volunteer in health and care. This report examines the value they add "
            "and how organisations can support them well."
        ),
        "key_findings": [
            "Volunteers improve patients' experience and free staff time for clinical work.",
            "Volunteering is most sustainable where it has a paid coordinator.",
            "Volunteering should complement, never replace, paid staff.",
        ],
        "policy_implications": "Organisations should plan volunteering strategically and fund its coordination.",
        "on_sale": False,
    },
    {
        "isbn": "9781909029255",
        "title": "Mental health under pressure",
        "subtitle": "",
        "authors": ["Helen Gilburt"],
        "topics": ["mental-health", "workforce"],
        "published": "2015-11-05",
        "pages": 40,
        "price": "7.00",
        "stock": 18,
        "summary": (
            "An assessment of the state of mental health services based on financial data, workforce figures and "
            "interviews, at a time of rising demand and falling budgets."
        ),
        "key_findings": [
            "Around 40 per cent of mental health trusts saw their income fall in real terms.",
            "Bed shortages lead to patients being sent far from home for inpatient care.",
            "Staff morale is low, with high vacancy rates in community teams.",
        ],
        "policy_implications": "Parity of esteem must be backed by a funding guarantee and transparent reporting.",
    },
    {
        "isbn": "9781909029262",
        "title": "Clinical leadership",
        "subtitle": "Why it matters and how to develop it",
        "authors": ["Chris Ham", "Michael West"],
        "topics": ["leadership", "quality-safety"],
        "published": "2015-06-16",
        "pages": 36,
        "price": "6.50",
        "stock": 26,
        "summary": (
            "Doctors, nurses and other clinicians who take on leadership roles are vital to improving care. This "
            "paper explains why and how organisations can develop them."
        ),
        "key_findings": [
            "High-performing organisations have clinicians in leadership roles at every level.",
            "Clinical leaders need time, training and administrative support to succeed.",
            "Shared leadership between clinicians and managers outperforms either alone.",
        ],
        "policy_implications": "Job plans should include protected time for clinical leadership.",
    },
    {
        "isbn": "9781909029279",
        "title": "Technology and the future of care",
        "subtitle": "Eight innovations that could change health and care",
        "authors": ["Matthew Honeyman", "Harry Evans"],
        "topics": ["digital"],
        "published": "2016-02-09",
        "pages": 66,
        "price": "10.00",
        "stock": 37,
        "summary": (
            "From genomics to wearables and artificial intelligence, this report looks at eight technologies "
            "with the potential to change care, and at what it will take to realise their benefits."
        ),
        "key_findings": [
            "The barriers to adoption are mostly organisational and cultural, not technical.",
            "Patients are often ahead of services in using digital tools.",
            "Evidence of impact lags behind the hype for most technologies.",
        ],
        "policy_implications": "Evaluate technologies in real services and share the results openly.",
    },
    {
        "isbn": "9781909029286",
        "title": "Care homes and the pandemic",
        "subtitle": "What happened and what we learned",
        "authors": ["Simon Bottery", "Deborah Ward"],
        "topics": ["social-care", "quality-safety"],
        "published": "2021-09-09",
        "pages": 74,
        "price": "11.50",
        "stock": 20,
        "summary": (
            "A review of how care homes were affected by Covid-19, the decisions that shaped their experience and "
            "the lessons for future emergencies."
        ),
        "key_findings": [
            "Care homes were an afterthought in early national planning.",
            "Staff moving between homes and hospital discharges without testing spread infection.",
            "Local partnerships that already worked well responded faster.",
        ],
        "policy_implications": "Social care must have an equal place in emergency planning.",
    },
    {
        "isbn": "9781909029293",
        "title": "The cost of living and health",
        "subtitle": "Why household finances matter for the NHS",
        "authors": ["David Buck", "Veena Raleigh"],
        "topics": ["communities", "public-finance"],
        "published": "2023-01-19",
        "pages": 30,
        "price": "5.50",
        "stock": 75,
        "summary": (
            "Rising prices for food and energy damage health, especially for people on low incomes. This briefing "
            "sets out the links and what services can do."
        ),
        "key_findings": [
            "Cold, damp homes worsen respiratory and cardiovascular conditions.",
            "Financial stress is a major driver of anxiety and depression.",
            "Services can help by connecting patients to welfare and debt advice.",
        ],
        "policy_implications": "Health bodies should screen for financial hardship and fund advice services.",
    },
    {
        "isbn": "9781909029309",
        "title": "Designing the future workforce",
        "subtitle": "New roles in health and care",
        "authors": ["Anita Charlesworth", "Beccy Baird"],
        "topics": ["workforce"],
        "published": "2023-06-27",
        "pages": 58,
        "price": "9.00",
        "stock": 42,
        "summary": (
            "Physician associates, nursing associates and advanced practitioners are reshaping teams. This report "
            "examines the evidence on new roles and how to introduce them safely."
        ),
        "key_findings": [
            "New roles work best where the team has designed them around patients' needs.",
            "Clear scope of practice and supervision are essential for safety and acceptance.",
            "New roles supplement, but cannot substitute for, growth in core professions.",
        ],
        "policy_implications": "Regulate new roles consistently and evaluate their impact on patients.",
    },
    {
        "isbn": "9781909029316",
        "title": "Compassion in practice",
        "subtitle": "Stories from frontline teams",
        "authors": ["Suzie Bailey", "Katy Steward"],
        "topics": ["leadership", "workforce", "quality-safety"],
        "published": "2024-03-14",
        "pages": 48,
        "price": "8.00",
        "stock": 100,
        "summary": (
            "Twelve teams describe how they have put compassion at the heart of how they work, with each other "
            "and with patients, and what changed as a result."
        ),
        "key_findings": [
            "Small, regular rituals such as huddles and check-ins sustain compassionate cultures.",
            "Teams that look after each other have lower turnover and sickness.",
            "Compassion grows when leaders model it visibly, especially under pressure.",
        ],
        "policy_implications": "Organisations should make time for team reflection a standard part of working life.",
    },
]
