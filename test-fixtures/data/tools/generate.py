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


exec(open(os.path.join(HERE, "licences.py"), encoding="utf-8").read())


if __name__ == "__main__":
    main()
