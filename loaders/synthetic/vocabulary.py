"""The words and codes the synthetic bank draws from: products, segments, places, names.

Everything here is a constant. The generation steps draw *indices* into these tuples
(``product == LOAN``) and turn them into text at the end, so the order of every tuple
is part of the generator's output: reordering one changes the bytes of every bank.
Add new vocabulary at the end of a tuple, or as a new constant.

Examples
--------
>>> PRODUCTS[LOAN], PRODUCTS[CURRENT]
('loan', 'current')
>>> all(p >= N_DEPOSIT for p in (LOAN, MORTGAGE, CARD, OVERDRAFT, LINE))
True
>>> SEGMENTS[PRIVATE], HOUSEHOLD_ROLES[SPOUSE]
('private', 'spouse')
"""

from __future__ import annotations

import numpy as np

from guanxi.graph.schema import CREDIT_PRODUCTS, DEPOSIT_PRODUCTS

__all__ = [
    "ADDRESS_RADIX",
    "AFFLUENT",
    "BANKS",
    "BANK_SEGMENT",
    "BRANDS",
    "BUSINESSES",
    "CARD",
    "CHANNELS",
    "CHILD",
    "COMPANY_RATINGS",
    "COMPANY_SUFFIXES",
    "COMPANY_WORDS",
    "CORPORATE",
    "CURRENCIES",
    "CURRENT",
    "DEPENDENCY_SOURCES",
    "DISTRICTS",
    "EMAIL_DOMAINS",
    "FX_RATES",
    "GIVEN_NAMES",
    "HEAD",
    "HOUSEHOLD_ROLES",
    "ID_CHECK_CHARS",
    "ID_CHECK_WEIGHTS",
    "INDUSTRIES",
    "LINE",
    "LOAN",
    "MASS",
    "MOBILE_PREFIXES",
    "MORTGAGE",
    "NEWCOMER_AREA_OFFSET",
    "NEWCOMER_EMAIL_DOMAIN",
    "NEWCOMER_MOBILE_PREFIX",
    "NEWCOMER_PASSPORT_LETTER",
    "NEWCOMER_ROAD",
    "NEWCOMER_SERVICE_PREFIX",
    "N_DEPOSIT",
    "OCCUPATIONS",
    "OTHER",
    "OWNERSHIP_ROLES",
    "OVERDRAFT",
    "PARENT",
    "PERSON_RATINGS",
    "PRIVATE",
    "PRODUCTS",
    "REGIONS",
    "REGION_WEIGHTS",
    "REPORTING_CURRENCY",
    "ROADS",
    "SAVINGS",
    "SEGMENTS",
    "SME",
    "SPOUSE",
    "SURNAMES",
    "TERM",
    "USCC_CHARS",
    "WEALTH",
    "WESTERN_FIRST",
    "WESTERN_LAST",
]

# --------------------------------------------------------------------------- products

#: the contract's products, deposits first; a product is drawn as its index here
PRODUCTS: tuple[str, ...] = DEPOSIT_PRODUCTS + CREDIT_PRODUCTS
_P = {name: i for i, name in enumerate(PRODUCTS)}
CURRENT, SAVINGS, TERM, WEALTH = _P["current"], _P["savings"], _P["term_deposit"], _P["wealth"]
LOAN, MORTGAGE, CARD = _P["loan"], _P["mortgage"], _P["credit_card"]
OVERDRAFT, LINE = _P["overdraft"], _P["credit_line"]
#: products with an index below this are deposits, the others credit
N_DEPOSIT = len(DEPOSIT_PRODUCTS)
#: account currencies, the bank's own first
CURRENCIES = ("CNY", "USD", "HKD", "EUR")

# --------------------------------------------------------------------------- customers

SEGMENTS = ("mass", "affluent", "private", "sme", "corporate")
MASS, AFFLUENT, PRIVATE, SME, CORPORATE = range(5)

HOUSEHOLD_ROLES = ("head", "spouse", "child", "parent", "other")
HEAD, SPOUSE, CHILD, PARENT, OTHER = range(5)

PERSON_RATINGS = ("R1", "R2", "R3", "R4", "R5")
COMPANY_RATINGS = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC")

OCCUPATIONS = (
    "Engineer", "Teacher", "Doctor", "Civil servant", "Sales manager", "Accountant",
    "Business owner", "Nurse", "Lawyer", "Driver", "Factory worker", "Programmer",
    "Farmer", "Self-employed", "Consultant", "Designer",
)  # fmt: skip
INDUSTRIES = (
    "Manufacturing", "Wholesale trade", "Retail", "Construction", "Real estate",
    "Information technology", "Logistics", "Agriculture", "Energy", "Healthcare",
    "Hospitality", "Financial services",
)  # fmt: skip

#: the contract's ownership roles; a role is drawn as its index here
OWNERSHIP_ROLES = ("shareholder", "director", "legal_representative", "controller")

#: how referees came to the bank
CHANNELS = ("app", "branch", "wechat", "event")

# --------------------------------------------------------------------------- places

#: (region, city in Chinese, area code of the id number, telephone area code)
REGIONS = (
    ("Shanghai", "上海市", 310101, "21"),
    ("Beijing", "北京市", 110101, "10"),
    ("Guangzhou", "广州市", 440103, "20"),
    ("Shenzhen", "深圳市", 440303, "755"),
    ("Hangzhou", "杭州市", 330102, "571"),
    ("Nanjing", "南京市", 320102, "25"),
    ("Suzhou", "苏州市", 320505, "512"),
    ("Chengdu", "成都市", 510104, "28"),
    ("Wuhan", "武汉市", 420102, "27"),
    ("Xi'an", "西安市", 610102, "29"),
    ("Chongqing", "重庆市", 500101, "23"),
    ("Tianjin", "天津市", 120101, "22"),
    ("Hong Kong", "香港", 810101, "852"),
    ("Singapore", "新加坡", 710101, "65"),
)
#: the share of customers in each of :data:`REGIONS` (sums to 1)
REGION_WEIGHTS = (0.16, 0.14, 0.1, 0.1, 0.08, 0.06, 0.06, 0.07, 0.05, 0.04, 0.05, 0.04, 0.03, 0.02)

DISTRICTS = (
    ("Central", "中心区"),
    ("Eastern", "东城区"),
    ("Western", "西城区"),
    ("Riverside", "滨江区"),
    ("Hi-Tech Park", "高新区"),
    ("New Town", "新区"),
    ("Harbour", "港区"),
    ("University Town", "大学城"),
)
ROADS = (
    ("Renmin Road", "人民路"),
    ("Zhongshan Road", "中山路"),
    ("Jiefang Road", "解放路"),
    ("Jianshe Road", "建设路"),
    ("Heping Road", "和平路"),
    ("Changjiang Road", "长江路"),
    ("Huanghe Road", "黄河路"),
    ("Nanjing Road", "南京路"),
    ("Huaihai Road", "淮海路"),
    ("Century Avenue", "世纪大道"),
    ("Binhai Avenue", "滨海大道"),
    ("Xueyuan Road", "学院路"),
    ("Gongye Road", "工业路"),
    ("Wenhua Road", "文化路"),
    ("Xinhua Road", "新华路"),
    ("Dongfeng Road", "东风路"),
    ("Youyi Road", "友谊路"),
    ("Fuxing Road", "复兴路"),
    ("Guangming Road", "光明路"),
    ("Chaoyang Road", "朝阳路"),
)
#: the radix of an address code: road x number (1..500) x building (1..40) x floor
#: (1..60) x unit (1..8); distinct codes give distinct addresses
ADDRESS_RADIX = (len(ROADS), 500, 40, 60, 8)

# --------------------------------------------------------------------------- names

#: (Chinese, ascii) pairs: the ascii form builds e-mail handles
SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
    ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"),
    ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"),
    ("欧阳", "ouyang"), ("司马", "sima"),
)  # fmt: skip
GIVEN_NAMES = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("秀英", "xiuying"), ("敏", "min"),
    ("静", "jing"), ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"),
    ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀兰", "xiulan"), ("霞", "xia"),
    ("平", "ping"), ("刚", "gang"), ("桂英", "guiying"), ("建华", "jianhua"),
    ("志强", "zhiqiang"), ("子涵", "zihan"), ("浩然", "haoran"), ("欣怡", "xinyi"),
    ("宇轩", "yuxuan"), ("梓萱", "zixuan"), ("一诺", "yinuo"), ("俊杰", "junjie"),
)  # fmt: skip
WESTERN_FIRST = (
    ("James", "james"), ("Mary", "mary"), ("John", "john"), ("Patricia", "patricia"),
    ("Robert", "robert"), ("Jennifer", "jennifer"), ("Michael", "michael"),
    ("Linda", "linda"), ("David", "david"), ("Elizabeth", "elizabeth"),
    ("William", "william"), ("Susan", "susan"), ("Richard", "richard"),
    ("Sarah", "sarah"), ("Thomas", "thomas"), ("Emma", "emma"), ("Olivia", "olivia"),
    ("Noah", "noah"), ("Liam", "liam"), ("Sophia", "sophia"), ("José", "jose"),
    ("Zoë", "zoe"), ("François", "francois"), ("Anaïs", "anais"), ("Søren", "soren"),
    ("Chloé", "chloe"), ("Priya", "priya"), ("Hiroshi", "hiroshi"),
)  # fmt: skip
WESTERN_LAST = (
    ("Smith", "smith"), ("Johnson", "johnson"), ("Williams", "williams"),
    ("Brown", "brown"), ("Jones", "jones"), ("Garcia", "garcia"), ("Miller", "miller"),
    ("Davis", "davis"), ("Wilson", "wilson"), ("Taylor", "taylor"), ("Anderson", "anderson"),
    ("Martin", "martin"), ("Lee", "lee"), ("Chan", "chan"), ("Wong", "wong"), ("Tan", "tan"),
    ("O'Brien", "obrien"), ("O'Connor", "oconnor"), ("Müller", "mueller"),
    ("Schmidt", "schmidt"), ("Dubois", "dubois"), ("García", "garcia"), ("Nguyen", "nguyen"),
    ("Kim", "kim"), ("Singh", "singh"), ("Patel", "patel"), ("van der Berg", "vanderberg"),
    ("MacDonald", "macdonald"),
)  # fmt: skip
COMPANY_WORDS = (
    ("华信", "huaxin"), ("恒达", "hengda"), ("鑫源", "xinyuan"), ("宏图", "hongtu"),
    ("金盛", "jinsheng"), ("瑞丰", "ruifeng"), ("中泰", "zhongtai"), ("永安", "yongan"),
    ("东方", "dongfang"), ("天成", "tiancheng"), ("新世纪", "xinshiji"), ("汇通", "huitong"),
)  # fmt: skip
COMPANY_SUFFIXES = (
    "科技有限公司", "贸易有限公司", "实业集团有限公司", "建设工程有限公司",
    "投资控股有限公司", "食品股份有限公司", "物流有限公司", "精密制造有限公司",
)  # fmt: skip
BRANDS = (
    ("Acme", "acme"), ("Pacific", "pacific"), ("Golden Dragon", "goldendragon"),
    ("Orient", "orient"), ("Silverline", "silverline"), ("Harbour", "harbour"),
    ("Jade", "jade"), ("Everbright", "everbright"), ("Summit", "summit"),
    ("Lotus", "lotus"), ("Red River", "redriver"), ("Great Wall", "greatwall"),
)  # fmt: skip
BUSINESSES = (
    "Trading", "Holdings", "Logistics", "Textiles", "Electronics", "Capital", "Foods",
    "Engineering", "Properties", "Shipping",
)  # fmt: skip

# --------------------------------------------------------------------------- contacts

EMAIL_DOMAINS = ("example.com", "example.cn", "example.net", "example.org", "mail.example.com")
MOBILE_PREFIXES = tuple(
    str(p)
    for p in (
        130, 131, 132, 135, 136, 137, 138, 139, 150, 151,
        152, 158, 159, 166, 177, 180, 182, 186, 188, 199,
    )
)  # fmt: skip
#: weights of the 17 leading digits of a resident id number (GB 11643)
ID_CHECK_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
#: a resident id number's check character, indexed by the weighted sum modulo 11
ID_CHECK_CHARS = tuple("10X98765432")
#: the characters of a unified social credit code (GB 32100)
USCC_CHARS = tuple("0123456789ABCDEFGHJKLMNPQRTUWXY")

# --------------------------------------------------------------------------- later additions
# (new constants only: the tuples above are part of every bank's bytes)

#: the currency the bank reports in (the first of :data:`CURRENCIES`)
REPORTING_CURRENCY = CURRENCIES[0]
#: units of the reporting currency per unit of each other currency of :data:`CURRENCIES`,
#: as exact decimal text (the ``fx_rates`` file)
FX_RATES: dict[str, str] = {"USD": "7.1235", "HKD": "0.9125", "EUR": "7.7312"}

#: interbank counterparties: (name, ascii handle, G-SIB)
BANKS = (
    ("Global Pacific Banking Corporation", "globalpacific", True),
    ("Eastern Commercial Bank Co., Ltd.", "easterncommercial", False),
    ("Continental Union Bank, N.A.", "continentalunion", True),
    ("江南农村商业银行股份有限公司", "jiangnanrcb", False),
    ("Harbour Merchants Bank Limited", "harbourmerchants", False),
    ("Atlantic & Orient Banking Group", "atlanticorient", True),
)
#: the segment written for interbank counterparties
BANK_SEGMENT = "interbank"

#: where a bank learnt of an economic dependency (the ``source`` column)
DEPENDENCY_SOURCES = (
    "audited accounts",
    "credit file review",
    "supply contract",
    "tax filing",
    "management interview",
)

#: contact details of customers added after the background ones are drawn from spaces
#: the background never uses, so they stay distinct without a check: a mobile prefix
#: not in :data:`MOBILE_PREFIXES`, ``400`` service numbers for companies, an e-mail
#: domain not in :data:`EMAIL_DOMAINS`, a road not in :data:`ROADS`, and id-number area
#: codes shifted past the background's (which add 0..11 to a region's code), and a
#: passport letter the background does not use
NEWCOMER_MOBILE_PREFIX = "191"
NEWCOMER_SERVICE_PREFIX = "400"
NEWCOMER_EMAIL_DOMAIN = "example.com.cn"
NEWCOMER_ROAD = ("Keyuan Road", "科苑路")
NEWCOMER_AREA_OFFSET = 50
NEWCOMER_PASSPORT_LETTER = "P"
