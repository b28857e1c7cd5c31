#!/usr/bin/env python3
"""Generates the simulator's fixture data (citizens, enterprises, agent links, and the facts
behind the electronic licences the simulated offices issue).

Everything here is fictitious. Run from anywhere:
    python3 test-fixtures/data/tools/generate.py
It rewrites the four JSON files next to this folder. The output is deterministic
(fixed seeds, fixed reference date), so re-running it without edits changes nothing.
"""
import datetime
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)

REGIONS = {
    "440304": ("广东省", "深圳市", "福田区"),
    "440303": ("广东省", "深圳市", "罗湖区"),
    "440305": ("广东省", "深圳市", "南山区"),
    "440306": ("广东省", "深圳市", "宝安区"),
    "440307": ("广东省", "深圳市", "龙岗区"),
    "440604": ("广东省", "佛山市", "禅城区"),
    "440605": ("广东省", "佛山市", "南海区"),
    "440606": ("广东省", "佛山市", "顺德区"),
    "440106": ("广东省", "广州市", "天河区"),
    "310115": ("上海市", "上海市", "浦东新区"),
    "310104": ("上海市", "上海市", "徐汇区"),
    "310101": ("上海市", "上海市", "黄浦区"),
    "310105": ("上海市", "上海市", "长宁区"),
    "110105": ("北京市", "北京市", "朝阳区"),
    "110108": ("北京市", "北京市", "海淀区"),
    "110101": ("北京市", "北京市", "东城区"),
    "320102": ("江苏省", "南京市", "玄武区"),
    "330106": ("浙江省", "杭州市", "西湖区"),
    "510104": ("四川省", "成都市", "锦江区"),
    "420106": ("湖北省", "武汉市", "武昌区"),
}

# id, name, sex, birth date, region of the ID number, region of the current address, detail
CITIZENS = [
    ("陈志明", "male", "1982-07-14", "440304", "440304", "福田街道福华三路88号鹏程花园3栋1201室"),
    ("林晓燕", "female", "1990-03-22", "440304", "440304", "福田街道福华三路88号鹏程花园3栋1201室"),
    ("王建国", "male", "1958-10-01", "110105", "110105", "建外街道光华路17号院2号楼5单元301室"),
    ("张丽华", "female", "1963-05-18", "310115", "310115", "陆家嘴街道浦城路210弄6号902室"),
    ("李浩然", "male", "2003-11-09", "440305", "440305", "粤海街道科苑南路3099号学苑公寓7栋415室"),
    ("黄静怡", "female", "1996-08-30", "440604", "440604", "祖庙街道建新路58号东方广场2座1703室"),
    ("刘伟", "male", "1975-01-05", "440604", "440604", "石湾镇街道和平路12号陶都苑5座802室"),
    ("周雨桐", "female", "2005-04-12", "310104", "310104", "天平路街道衡山路301弄3号201室"),
    ("吴国栋", "male", "1950-12-25", "440106", "440106", "天河南街道体育东路116号6楼"),
    ("郑佳琪", "female", "1988-06-06", "440303", "440303", "东门街道解放路2008号金光华公寓1509室"),
    ("欧阳辉", "male", "1979-09-17", "440605", "440605", "桂城街道南海大道北66号万科城9座1102室"),
    ("孙婷", "female", "1993-02-28", "320102", "440305", "招商街道蛇口望海路1177号海湾公寓4栋901室"),
    ("马骏", "male", "1986-12-03", "110108", "440305", "招商街道蛇口望海路1177号海湾公寓4栋901室"),
    ("何秀英", "female", "1955-07-07", "440604", "440604", "张槎街道季华西路131号雅居乐花园12座502室"),
    ("罗家豪", "male", "1999-05-20", "440306", "440306", "新安街道创业二路280号宝城花园8栋1603室"),
    ("谢梓涵", "female", "2001-10-10", "330106", "330106", "北山街道曙光路122号青芝坞公寓3幢502室"),
    ("梁永康", "male", "1968-04-04", "440606", "440606", "大良街道凤山中路38号顺峰山庄7座301室"),
    ("宋雅琴", "female", "1972-11-11", "310101", "310101", "外滩街道福州路318号6楼602室"),
    ("唐俊杰", "male", "1984-08-08", "510104", "510104", "春熙路街道红星路三段1号国际金融中心公寓2栋2805室"),
    ("许慧敏", "female", "1991-01-31", "440304", "440304", "沙头街道新洲路1003号新洲花园6栋702室"),
    ("韩立新", "male", "1961-03-15", "420106", "420106", "中南路街道中南一路99号珞珈山庄4栋1单元601室"),
    ("冯婉清", "female", "1997-09-09", "110101", "110101", "东华门街道南池子大街21号院3号楼202室"),
    ("邓子轩", "male", "2000-02-29", "440307", "440307", "龙城街道龙翔大道7188号万科广场公寓5栋1208室"),
    ("曹淑珍", "female", "1948-06-18", "310105", "310105", "新华路街道番禺路555弄12号301室"),
]

# name, type code ("91" company, "92" individual business), region, detail, legal representative
ENTERPRISES = [
    ("深圳市鹏程智联科技有限公司", "91", "440304", "福田街道益田路6009号新世界商务中心2806室", "citizen-01"),
    ("佛山市禅城区陶韵陶瓷文化发展有限公司", "91", "440604", "石湾镇街道高庙路6号陶谷小镇A区3座", "citizen-07"),
    ("上海浦江云链物流有限公司", "91", "310115", "川沙新镇川沙路6999号12幢2层", "citizen-04"),
    ("北京朝阳启明文化传媒有限公司", "91", "110105", "三里屯街道工体北路8号院1号楼10层1008", "citizen-03"),
    ("深圳市海岸线生物医药有限公司", "91", "440305", "粤海街道高新南九道10号深圳湾科技生态园10栋A座1502", "citizen-13"),
    ("广州天河云帆跨境贸易有限公司", "91", "440106", "珠江新城华夏路10号富力中心23楼2305房", "citizen-09"),
    ("深圳市福田区许记潮汕砂锅粥店", "92", "440304", "沙头街道新洲十一街138号万科城市花园商铺L1-12", "citizen-20"),
]

AGENTS = [
    ("citizen-01", "enterprise-02"),
    ("citizen-02", "enterprise-01"),
    ("citizen-02", "enterprise-03"),
    ("citizen-06", "enterprise-02"),
    ("citizen-10", "enterprise-05"),
    ("citizen-12", "enterprise-06"),
    ("citizen-15", "enterprise-01"),
    ("citizen-18", "enterprise-03"),
    ("citizen-05", "enterprise-07"),
]

MOBILE_PREFIXES = ["138", "139", "135", "136", "137", "150", "151", "152", "158", "159",
                   "186", "185", "130", "131", "132", "155", "156", "133", "153", "180",
                   "181", "189", "177", "199", "188", "187"]

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


def gb11643_check(first17):
    s = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK[s % 11]


USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def gb32100_check(first17):
    s = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    c = 31 - s % 31
    return USCC_CHARSET[0 if c == 31 else c]


ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def gb11714_check(first8):
    def val(ch):
        return int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10
    s = sum(val(c) * w for c, w in zip(first8, ORG_WEIGHTS))
    c = 11 - s % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))


def address(region, detail):
    p, c, d = REGIONS[region]
    return {"province": p, "city": c, "district": d, "detail": detail}


def main():
    rng = random.Random(20240611)
    citizens = []
    mobiles = set()
    for i, (name, sex, birth, id_region, addr_region, detail) in enumerate(CITIZENS, start=1):
        seq = rng.randrange(0, 999)
        if (seq % 2 == 1) != (sex == "male"):
            seq = (seq + 1) % 1000
        body = id_region + birth.replace("-", "") + f"{seq:03d}"
        id_number = body + gb11643_check(body)
        while True:
            mobile = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}"
            if mobile not in mobiles:
                mobiles.add(mobile)
                break
        citizens.append({
            "id": f"citizen-{i:02d}",
            "name": name,
            "sex": sex,
            "birth_date": birth,
            "id_number": id_number,
            "mobile": mobile,
            "address": address(addr_region, detail),
        })
    enterprises = []
    body_chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for i, (name, kind, region, detail, rep) in enumerate(ENTERPRISES, start=1):
        org = "MA" + "".join(rng.choice(body_chars) for _ in range(6))
        org += gb11714_check(org)
        first17 = kind + region + org
        enterprises.append({
            "id": f"enterprise-{i:02d}",
            "name": name,
            "uscc": first17 + gb32100_check(first17),
            "address": address(region, detail),
            "legal_representative": rep,
        })
    agents = [{"citizen": c, "enterprise": e, "role": "agent"} for c, e in AGENTS]
    # Added later with their own seed, so that the data above stays as it was.
    add_children(citizens, mobiles)
    licences = licence_facts(citizens, enterprises)
    for fname, data in (("citizens.json", citizens), ("enterprises.json", enterprises),
                        ("agents.json", agents), ("licences.json", licences)):
        with open(os.path.join(DATA, fname), "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=2)
            f.write("\n")


# ----- children (added after the first 24 citizens) -----

# name, sex, birth date, region of the ID number, region of the current address, detail
CHILDREN = [
    # son of citizen-01 and citizen-02
    ("陈思远", "male", "2025-03-18", "440304", "440304", "福田街道福华三路88号鹏程花园3栋1201室"),
    # daughter of citizen-13 and citizen-12; registered in her father's household in Beijing
    ("马语桐", "female", "2020-06-08", "110108", "440305", "招商街道蛇口望海路1177号海湾公寓4栋901室"),
]


def add_children(citizens, mobiles):
    rng = random.Random(20261122)
    start = len(citizens) + 1
    for i, (name, sex, birth, id_region, addr_region, detail) in enumerate(CHILDREN, start=start):
        seq = rng.randrange(0, 999)
        if (seq % 2 == 1) != (sex == "male"):
            seq = (seq + 1) % 1000
        body = id_region + birth.replace("-", "") + f"{seq:03d}"
        while True:
            # The guardian's second line: every fixture person has a distinct contact number.
            mobile = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}"
            if mobile not in mobiles:
                mobiles.add(mobile)
                break
        citizens.append({
            "id": f"citizen-{i:02d}",
            "name": name,
            "sex": sex,
            "birth_date": birth,
            "id_number": body + gb11643_check(body),
            "mobile": mobile,
            "address": address(addr_region, detail),
        })


# ----- licence facts -----

# The date the licence data describes: every document is current on it.
REFERENCE_DATE = datetime.date(2026, 11, 22)

ETHNICITY = {"citizen-06": "壮", "citizen-19": "回", "citizen-22": "满"}

# Households whose address is not the member's current address (hukou elsewhere).
HUKOU_ADDRESS = {
    "citizen-12": ("320102", "玄武门街道北京东路41号7栋302室"),
    "citizen-13": ("110108", "中关村街道中关村南大街5号院3号楼402室"),
}

# Households with more than one member: head first; (citizen, relation to the head).
SHARED_HOUSEHOLDS = [
    [("citizen-01", "户主"), ("citizen-02", "妻"), ("citizen-25", "子")],
    [("citizen-13", "户主"), ("citizen-26", "女")],
]

BIRTHPLACE_OVERRIDE = {"citizen-26": "广东省深圳市"}

# Members who joined a household on marriage: registered there after this date.
JOINED_ON_MARRIAGE = {"citizen-02": "2016-05-20"}

# holder, class, first issue date
DRIVING = [
    ("citizen-01", "C1", "2004-09-16"),
    ("citizen-02", "C1", "2012-07-03"),
    ("citizen-03", "C1", "1995-04-20"),
    ("citizen-04", "C1", "2001-11-08"),
    ("citizen-05", "C2", "2022-08-15"),
    ("citizen-06", "C2", "2018-06-21"),
    ("citizen-07", "B2", "1998-03-12"),
    ("citizen-09", "C1", "1993-10-05"),
    ("citizen-10", "C1", "2010-05-27"),
    ("citizen-11", "C1", "2006-12-14"),
    ("citizen-13", "C1", "2009-02-19"),
    ("citizen-15", "C1", "2019-07-30"),
    ("citizen-17", "A1", "1992-05-08"),
    ("citizen-19", "C1", "2006-03-25"),
    ("citizen-20", "C1", "2013-09-12"),
    ("citizen-21", "C1", "1990-06-18"),
    ("citizen-23", "C2", "2020-08-06"),
]

# holder, plate, vehicle type, brand and model, WMI, registration date
VEHICLES = [
    ("citizen-01", "粤BF36588", "小型轿车", "比亚迪牌BYD7152WT6HEVC5", "LGX", "2023-04-18"),
    ("citizen-03", "京N8K2M7", "小型普通客车", "大众牌SVW6471DFD", "LSV", "2015-09-10"),
    ("citizen-04", "沪A7M3Q5", "小型轿车", "别克牌SGM7154DAA1", "LSG", "2018-05-06"),
    ("citizen-07", "粤E5K7Q2", "小型普通客车", "丰田牌GTM6480SHEV", "LVG", "2019-11-23"),
    ("citizen-10", "粤B3G8W6", "小型轿车", "本田牌GHA7151FBC", "LHG", "2016-08-30"),
    ("citizen-13", "粤BD11235", "小型轿车", "特斯拉牌TSL7000BEVBR5", "LRW", "2022-01-14"),
    ("citizen-19", "川A9D8E2", "小型越野客车", "长城牌CC6460RM0C", "LGW", "2017-03-02"),
    ("citizen-20", "粤B7Q6N1", "小型轿车", "吉利牌MR7153A20", "L6T", "2020-10-09"),
]

# husband, wife, registration date, registration authority, certificate number (both copies)
MARRIAGES = [
    ("citizen-01", "citizen-02", "2016-05-20", "深圳市福田区民政局", "J440304-2016-004512"),
    ("citizen-13", "citizen-12", "2019-10-02", "南京市玄武区民政局", "J320102-2019-007281"),
]

# child, father, mother, time, place, institution, weeks, grams, cm, issue date, number
BIRTHS = [
    ("citizen-25", "citizen-01", "citizen-02", "08:42", "广东省深圳市福田区", "深圳市妇幼保健院",
     39, 3350, 50, "2025-03-25", "Q440218736"),
    ("citizen-26", "citizen-13", "citizen-12", "15:16", "广东省深圳市南山区", "深圳市南山区人民医院",
     38, 3100, 49, "2020-06-15", "P440063512"),
]

# owners, co-ownership, region, detail, area m², registration date, land use until
PROPERTIES = [
    (["citizen-01", "citizen-02"], "共同共有", "440304", "福田街道福华三路88号鹏程花园3栋1201室",
     118.46, "2017-03-20", "2073-06-30"),
    # a flat its Beijing owner lets in Futian (for rental registration)
    (["citizen-03"], "单独所有", "440304", "香蜜湖街道农园路32号香榭里花园5栋6B室",
     76.35, "2009-08-11", "2069-12-31"),
    (["citizen-04"], "单独所有", "310115", "陆家嘴街道浦城路210弄6号902室",
     98.30, "2003-09-15", "2072-04-30"),
    (["citizen-09"], "单独所有", "440106", "天河南街道体育东路116号6楼",
     132.00, "1999-12-08", "2069-11-30"),
    (["citizen-13", "citizen-12"], "共同共有", "440305", "招商街道蛇口望海路1177号海湾公寓4栋901室",
     89.12, "2020-01-09", "2087-08-31"),
    (["citizen-20"], "单独所有", "440304", "沙头街道新洲路1003号新洲花园6栋702室",
     72.50, "2021-06-30", "2068-05-31"),
    (["citizen-14"], "单独所有", "440604", "张槎街道季华西路131号雅居乐花园12座502室",
     103.27, "2010-04-22", "2078-02-28"),
]

# enterprise, type, registered capital, established, business term until, scope, authority
BUSINESS = [
    ("enterprise-01", "有限责任公司（自然人投资或控股）", "1000万元人民币", "2016-05-12", "长期",
     "计算机软硬件、物联网技术的技术开发、技术咨询、技术服务；信息系统集成服务；电子产品销售。",
     "深圳市市场监督管理局福田监管局"),
    ("enterprise-02", "有限责任公司（自然人独资）", "200万元人民币", "2014-09-03", "长期",
     "陶瓷制品制造；陶瓷制品销售；工艺美术品及收藏品零售；组织文化艺术交流活动；会议及展览服务。",
     "佛山市禅城区市场监督管理局"),
    ("enterprise-03", "有限责任公司（自然人投资或控股）", "5000万元人民币", "2018-01-22", "2048-01-21",
     "道路货物运输（不含危险货物）；国际货物运输代理；供应链管理服务；普通货物仓储服务；装卸搬运。",
     "上海市浦东新区市场监督管理局"),
    ("enterprise-04", "有限责任公司（自然人投资或控股）", "300万元人民币", "2012-06-18", "2042-06-17",
     "组织文化艺术交流活动；广告设计、代理；广告制作；会议及展览服务；电影摄制服务。",
     "北京市朝阳区市场监督管理局"),
    ("enterprise-05", "有限责任公司（自然人投资或控股）", "3000万元人民币", "2020-11-05", "长期",
     "生物医药技术研发；医学研究和试验发展；第二类医疗器械销售；技术服务、技术开发、技术咨询。",
     "深圳市市场监督管理局南山监管局"),
    ("enterprise-06", "有限责任公司（自然人投资或控股）", "500万元人民币", "2019-03-28", "长期",
     "货物进出口；技术进出口；互联网销售（除销售需要许可的商品）；供应链管理服务；国内贸易代理。",
     "广州市天河区市场监督管理局"),
    ("enterprise-07", "个体工商户", None, "2021-04-16", "长期",
     "餐饮服务；食品销售（仅销售预包装食品）。",
     "深圳市市场监督管理局福田监管局"),
]

TRAFFIC_POLICE = {
    "深圳市": "广东省深圳市公安局交通警察支队",
    "佛山市": "广东省佛山市公安局交通警察支队",
    "广州市": "广东省广州市公安局交通警察支队",
    "北京市": "北京市公安局公安交通管理局",
    "上海市": "上海市公安局交通警察总队",
    "成都市": "四川省成都市公安局交通管理局",
    "武汉市": "湖北省武汉市公安局交通管理局",
    "杭州市": "浙江省杭州市公安局交通警察支队",
    "南京市": "江苏省南京市公安局交通管理局",
}

REAL_ESTATE_AUTHORITY = {
    "深圳市": "深圳市规划和自然资源局",
    "上海市": "上海市规划和自然资源局",
    "广州市": "广州市规划和自然资源局",
    "佛山市": "佛山市自然资源局",
    "北京市": "北京市规划和自然资源委员会",
}

PROVINCE_ABBR = {"广东省": "粤", "上海市": "沪", "北京市": "京"}

VIN_VALUES = dict(zip("0123456789", range(10)))
VIN_VALUES.update(zip("ABCDEFGH", range(1, 9)))
VIN_VALUES.update(zip("JKLMN", range(1, 6)))
VIN_VALUES.update({"P": 7, "R": 9})
VIN_VALUES.update(zip("STUVWXYZ", range(2, 10)))
VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
VIN_YEAR = {2015: "F", 2016: "G", 2017: "H", 2018: "J", 2019: "K", 2020: "L", 2021: "M",
            2022: "N", 2023: "P", 2024: "R", 2025: "S"}


def vin_check(vin17):
    r = sum(VIN_VALUES[c] * w for c, w in zip(vin17, VIN_WEIGHTS)) % 11
    return "X" if r == 10 else str(r)


def parse_date(s):
    return datetime.date.fromisoformat(s)


def add_years(d, n):
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)


def district_short(district):
    for suffix in ("新区", "区"):
        if district.endswith(suffix):
            return district[: -len(suffix)]
    return district


def street_of(detail):
    return detail.split("街道")[0] if "街道" in detail else detail[:2]


def region_of(addr):
    for code, (p, c, d) in REGIONS.items():
        if (p, c, d) == (addr["province"], addr["city"], addr["district"]):
            return code
    raise ValueError(addr)


def place_of(region):
    p, c, _ = REGIONS[region]
    return c if p == c else p + c


def id_card_validity(birth, rng):
    """The current resident ID card: (issued, valid until or "长期")."""
    milestones = [(16, 10), (26, 20), (46, None)]
    if birth.year > 2010:
        milestones = [(0, 5), (5, 5), (10, 5)] + milestones
    current = None
    for age, years in milestones:
        issued = add_years(birth, age) + datetime.timedelta(days=rng.randrange(20, 120))
        if issued.year < 2005:  # second-generation cards were issued from 2004 on
            issued = datetime.date(rng.randrange(2005, 2011), rng.randrange(1, 13), rng.randrange(1, 29))
        if issued <= REFERENCE_DATE:
            until = "长期" if years is None else add_years(issued, years).isoformat()
            current = (issued.isoformat(), until)
    return current


def driving_validity(first):
    """The current driving-licence period: 6 years, then 10, then long-term."""
    start = first
    for years in (6, 10):
        end = add_years(start, years)
        if end > REFERENCE_DATE:
            return start.isoformat(), end.isoformat()
        start = end
    return start.isoformat(), "长期"


def serial(rng, prefix, region, year):
    return f"{prefix}{region}{year}{rng.randrange(0, 10**7):07d}"


def licence_facts(citizens, enterprises):
    rng = random.Random(20261201)
    by_id = {c["id"]: c for c in citizens}

    # Households: the shared ones, then one per remaining citizen.
    groups = [list(g) for g in SHARED_HOUSEHOLDS]
    grouped = {cid for g in groups for cid, _ in g}
    for c in citizens:
        if c["id"] not in grouped:
            groups.append([(c["id"], "户主")])
    groups.sort(key=lambda g: int(g[0][0].split("-")[1]))
    hukou_of = {}
    for g in groups:
        head = by_id[g[0][0]]
        hukou = HUKOU_ADDRESS.get(head["id"])
        addr = address(*hukou) if hukou else dict(head["address"])
        for cid, _ in g:
            hukou_of[cid] = addr

    persons = []
    for c in citizens:
        birth = parse_date(c["birth_date"])
        issued, until = id_card_validity(birth, rng)
        hukou_region = region_of(hukou_of[c["id"]])
        city, district = REGIONS[hukou_region][1], REGIONS[hukou_region][2]
        ss_from = max(birth + datetime.timedelta(days=30), datetime.date(2017, 1, 1))
        ss_issued = ss_from + datetime.timedelta(days=rng.randrange(0, (REFERENCE_DATE - ss_from).days - 30))
        home_city = c["address"]["city"]
        persons.append({
            "citizen": c["id"],
            "ethnicity": ETHNICITY.get(c["id"], "汉"),
            "resident_id_card": {
                "licence_number": serial(rng, "SFZ", hukou_region, issued[:4]),
                "issuing_authority": f"{city}公安局{district_short(district)}分局",
                "valid_from": issued,
                "valid_until": until,
            },
            "social_security_card": {
                "licence_number": serial(rng, "SBK", region_of(c["address"]), ss_issued.year),
                "issuing_authority": f"{home_city}人力资源和社会保障局",
                "issue_date": ss_issued.isoformat(),
                "valid_until": add_years(ss_issued, 10).isoformat(),
            },
        })

    households = []
    for g in groups:
        addr = hukou_of[g[0][0]]
        region = region_of(addr)
        station = street_of(addr["detail"])
        members = []
        for cid, relation in g:
            c = by_id[cid]
            birth = parse_date(c["birth_date"])
            earliest = max(birth + datetime.timedelta(days=20), datetime.date(1990, 1, 1))
            if cid in JOINED_ON_MARRIAGE:
                earliest = parse_date(JOINED_ON_MARRIAGE[cid]) + datetime.timedelta(days=30)
            registered = earliest + datetime.timedelta(days=rng.randrange(0, 400))
            members.append({
                "citizen": cid,
                "relation": relation,
                "birthplace": BIRTHPLACE_OVERRIDE.get(cid, place_of(c["id_number"][:6])),
                "registration_date": min(registered, REFERENCE_DATE).isoformat(),
                "licence_number": serial(rng, "HKB", region, registered.year),
            })
        households.append({
            "number": f"{rng.randrange(10**8, 10**9)}",
            "kind": "家庭户",
            "address": addr,
            "issuing_authority": f"{addr['city']}公安局{district_short(addr['district'])}分局{station}派出所",
            "members": members,
        })

    driving = []
    for holder, cls, first in DRIVING:
        c = by_id[holder]
        valid_from, valid_until = driving_validity(parse_date(first))
        region = region_of(c["address"])
        driving.append({
            "holder": holder,
            "licence_number": serial(rng, "JSZ", region, valid_from[:4]),
            "licence_class": cls,
            "first_issue_date": first,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "file_number": f"{region[:4]}{rng.randrange(0, 10**8):08d}",
            "issuing_authority": TRAFFIC_POLICE[c["address"]["city"]],
        })

    vehicles = []
    for holder, plate, vtype, model, wmi, registered in VEHICLES:
        c = by_id[holder]
        reg = parse_date(registered)
        vds = "".join(rng.choice(VIN_CHARS[10:]) if i % 2 else rng.choice(VIN_CHARS) for i in range(5))
        tail = VIN_YEAR[reg.year] + rng.choice(VIN_CHARS[10:]) + f"{rng.randrange(0, 10**6):06d}"
        body = wmi + vds + "0" + tail
        vin = wmi + vds + vin_check(body) + tail
        engine = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2)) + f"{rng.randrange(0, 10**7):07d}"
        vehicles.append({
            "holder": holder,
            "licence_number": serial(rng, "XSZ", region_of(c["address"]), reg.year),
            "vehicle_plate": plate,
            "vehicle_type": vtype,
            "brand_model": model,
            "vin": vin,
            "engine_number": engine,
            "use_character": "非营运",
            "registration_date": registered,
            "issue_date": registered,
            "issuing_authority": TRAFFIC_POLICE[c["address"]["city"]],
        })

    marriages = [{
        "husband": h, "wife": w, "licence_number": number, "registration_date": date,
        "issuing_authority": authority,
    } for h, w, date, authority, number in MARRIAGES]

    births = [{
        "child": child, "father": father, "mother": mother, "licence_number": number,
        "birth_time": time, "birthplace": place, "birth_institution": institution,
        "gestational_weeks": weeks, "birth_weight_g": grams, "birth_length_cm": cm,
        "issue_date": issued, "issuing_authority": institution,
    } for child, father, mother, time, place, institution, weeks, grams, cm, issued, number in BIRTHS]

    properties = []
    for owners, co, region, detail, area, registered, land_until in PROPERTIES:
        addr = address(region, detail)
        year = registered[:4]
        unit = f"{region}{rng.randrange(1, 20):03d}{rng.randrange(1, 40):03d}GB{rng.randrange(1, 10**5):05d}F{rng.randrange(1, 10**8):08d}"
        city_short = addr["city"]
        properties.append({
            "owners": [{
                "citizen": o,
                "licence_number": f"{PROVINCE_ABBR[addr['province']]}（{year}）{city_short}不动产权第{rng.randrange(0, 10**7):07d}号",
            } for o in owners],
            "co_ownership": co,
            "address": addr,
            "unit_number": unit,
            "right_type": "国有建设用地使用权/房屋所有权",
            "right_nature": "出让/市场化商品房",
            "usage": "城镇住宅用地/住宅",
            "unit_area_m2": area,
            "land_use_until": land_until,
            "registration_date": registered,
            "issuing_authority": REAL_ESTATE_AUTHORITY[addr["city"]],
        })

    business = []
    for ent, etype, capital, established, term, scope, authority in BUSINESS:
        entry = {
            "enterprise": ent,
            "entity_type": etype,
            "registered_capital": capital,
            "composition_form": "个人经营" if capital is None else None,
            "established_date": established,
            "business_term_until": term,
            "business_scope": scope,
            "issuing_authority": authority,
        }
        business.append({k: v for k, v in entry.items() if v is not None})

    return {
        "reference_date": REFERENCE_DATE.isoformat(),
        "persons": persons,
        "households": households,
        "driving_licences": driving,
        "vehicle_registrations": vehicles,
        "marriages": marriages,
        "births": births,
        "properties": properties,
        "business_licences": business,
    }


if __name__ == "__main__":
    main()
