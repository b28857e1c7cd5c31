#!/usr/bin/env python3
"""Generates the simulated city's service catalogue (政务服务事项目录, 办事指南) and its holiday
table.

    python3 test-fixtures/data/tools/generate_catalogue.py

writes `test-fixtures/data/catalogue.json` and `test-fixtures/data/holidays.json`. Deterministic
(no randomness, no clock, no network, standard library only): re-running it without edits changes
nothing. The shapes are those of `docs/platform-api.md` ("Service catalogue"); the simulator
validates the result again when it loads it (`test-fixtures/src/server/catalogue.rs`).

The catalogue is that of a Shenzhen district (item codes start with Futian's division code
440304): items as a Chinese city's service catalogue holds them, each with its office, theme,
promised working days, fee, materials (electronic licences that satisfy them, 容缺 where a
material may follow later), its form (fields bound to the claims of the licences the simulator's
offices really issue) and the one-thing bundles (一件事) it belongs to.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)

VERSION = "2026.11.1"
REGION = "440304"

# ---------------------------------------------------------------------------------------------
# Licences the simulator's offices issue (server/licences.rs) and their disclosable claims.

def vct(kind):
    return "urn:citykit:vct:" + kind

ID_CARD = vct("resident_id_card")
HOUSEHOLD = vct("household_register")
DRIVING = vct("driving_licence")
VEHICLE = vct("vehicle_registration")
BUSINESS = vct("business_licence")
MARRIAGE = vct("marriage_certificate")
BIRTH = vct("birth_medical_certificate")
PROPERTY = vct("real_estate_certificate")
SOCIAL = vct("social_security_card")

CLAIMS = {
    ID_CARD: ["name", "sex", "ethnicity", "birth_date", "address", "id_number", "issuing_authority",
              "valid_from", "valid_until", "age_over_18", "age_over_60"],
    HOUSEHOLD: ["household_number", "household_type", "head_name", "relation_to_head", "address",
                "name", "sex", "ethnicity", "birth_date", "birthplace", "id_number",
                "registration_date", "issuing_authority"],
    DRIVING: ["name", "sex", "nationality", "address", "birth_date", "id_number", "first_issue_date",
              "licence_class", "valid_from", "valid_until", "file_number", "issuing_authority"],
    VEHICLE: ["vehicle_plate", "vehicle_type", "owner_name", "address", "use_character", "brand_model",
              "vin", "engine_number", "registration_date", "issue_date", "issuing_authority"],
    BUSINESS: ["name", "uscc", "entity_type", "legal_representative", "registered_capital",
               "composition_form", "established_date", "business_term_until", "address",
               "business_scope", "issuing_authority"],
    MARRIAGE: ["name", "sex", "nationality", "birth_date", "id_number", "spouse_name", "spouse_sex",
               "spouse_nationality", "spouse_birth_date", "spouse_id_number", "registration_date",
               "issuing_authority"],
    BIRTH: ["name", "sex", "birth_date", "birth_time", "birthplace", "birth_institution",
            "gestational_weeks", "birth_weight_g", "birth_length_cm", "mother_name",
            "mother_nationality", "mother_ethnicity", "mother_id_number", "father_name",
            "father_nationality", "father_ethnicity", "father_id_number", "issue_date",
            "issuing_authority"],
    PROPERTY: ["owner_name", "owner_id_number", "co_ownership", "co_owners", "property_address",
               "unit_number", "right_type", "right_nature", "usage", "unit_area_m2", "land_use_until",
               "registration_date", "issuing_authority"],
    SOCIAL: ["name", "sex", "birth_date", "id_number", "issuing_authority", "issue_date",
             "valid_until"],
}

DERIVES = {"birth_date_from_id_number", "sex_from_id_number", "address_province", "address_city",
           "address_district", "address_detail", "date_compact", "date_zh"}

# The automatic checks (秒批) and the licence claims each reads.
CHECK_READS = {
    "property_owned_by_applicant": [(PROPERTY, "owner_id_number"), (PROPERTY, "property_address")],
    "co_landlords_are_owners": [(PROPERTY, "co_owners")],
    "age_over_60": [(ID_CARD, "age_over_60")],
    "applicant_is_parent": [(BIRTH, "mother_id_number"), (BIRTH, "father_id_number")],
    "enterprise_active": [(BUSINESS, "business_term_until")],
}
CHECKS = set(CHECK_READS)

# The licence-issuing offices: only they issue result licences.
LICENCE_OFFICES = {"public-security", "traffic-police", "market-regulation", "civil-affairs", "health",
                   "housing", "human-resources"}

# id: (中文, English, code letters)
OFFICES = {
    "public-security": ("公安局", "Public Security Bureau", "GA"),
    "traffic-police": ("交警支队", "Traffic Police Detachment", "JJ"),
    "civil-affairs": ("民政局", "Civil Affairs Bureau", "MZ"),
    "human-resources": ("人力资源和社会保障局", "Human Resources and Social Security Bureau", "RS"),
    "medical-security": ("医疗保障局", "Healthcare Security Administration", "YB"),
    "health": ("卫生健康委员会", "Health Commission", "WJ"),
    "housing": ("住房和建设局", "Housing and Construction Bureau", "ZJ"),
    "real-estate-registration": ("不动产登记中心", "Real Estate Registration Centre", "BDC"),
    "housing-provident-fund": ("住房公积金管理中心", "Housing Provident Fund Management Centre", "GJJ"),
    "market-regulation": ("市场监督管理局", "Administration for Market Regulation", "SJ"),
    "tax": ("税务局", "Tax Bureau", "SW"),
    "education": ("教育局", "Education Bureau", "JY"),
    "disabled-persons-federation": ("残疾人联合会", "Disabled Persons' Federation", "CL"),
    "veterans-affairs": ("退役军人事务局", "Veterans Affairs Bureau", "TY"),
}

# ---------------------------------------------------------------------------------------------
# Building blocks.

def src(vct_, claim, derive=None, of="applicant"):
    assert claim in CLAIMS[vct_], (vct_, claim)
    assert derive is None or derive in DERIVES, derive
    return {"vct": vct_, "claim": claim, "derive": derive, "of": of}


def fld(name, zh, en, type_="text", required=True, max_length=None, min_length=None, fmt=None,
        not_future=False, not_past=False, options=(), sources=()):
    if type_ in ("text", "address") and max_length is None:
        max_length = 100 if type_ == "address" else 50
    return {
        "name": name, "label_zh": zh, "label_en": en, "type": type_, "required": required,
        "rules": {"max_length": max_length, "min_length": min_length, "format": fmt,
                  "not_future": not_future, "not_past": not_past},
        "options": [{"value": v, "label_zh": lz, "label_en": le} for (v, lz, le) in options],
        "sources": list(sources),
    }


SEX = [("男", "男", "Male"), ("女", "女", "Female")]
YES_NO = [("是", "是", "Yes"), ("否", "否", "No")]
DELIVERY = [("window", "窗口领取", "Collect at the service window"),
            ("post", "邮寄送达", "By post"),
            ("electronic", "电子证照", "Electronic licence only")]


def person(prefix, zh, en, instant, of="applicant", ethnicity=True, address=True, contact=True,
           postcode=True, household_address=False):
    """A person's identity block, read from their resident ID card (and household register)."""
    out = [
        fld(f"{prefix}_name", f"{zh}姓名", f"{en}'s name", sources=[
            src(ID_CARD, "name", of=of), src(HOUSEHOLD, "name", of=of), src(SOCIAL, "name", of=of)]),
        fld(f"{prefix}_id_number", f"{zh}公民身份号码", f"{en}'s citizen ID number", "id_number", sources=[
            src(ID_CARD, "id_number", of=of), src(HOUSEHOLD, "id_number", of=of),
            src(SOCIAL, "id_number", of=of)]),
        fld(f"{prefix}_sex", f"{zh}性别", f"{en}'s sex", "choice", options=SEX, sources=[
            src(ID_CARD, "sex", of=of), src(ID_CARD, "id_number", "sex_from_id_number", of=of)]),
        fld(f"{prefix}_birth_date", f"{zh}出生日期", f"{en}'s date of birth", "date", not_future=True,
            sources=[src(ID_CARD, "birth_date", of=of),
                     src(ID_CARD, "id_number", "birth_date_from_id_number", of=of)]),
    ]
    if ethnicity:
        out.append(fld(f"{prefix}_ethnicity", f"{zh}民族", f"{en}'s ethnic group", max_length=20, sources=[
            src(ID_CARD, "ethnicity", of=of), src(HOUSEHOLD, "ethnicity", of=of)]))
    if address:
        label_zh, label_en = ("户籍地址", "registered address") if household_address else ("住址", "address")
        card = HOUSEHOLD if household_address else ID_CARD
        other = ID_CARD if household_address else HOUSEHOLD
        for part, pzh, pen, n in (("province", "（省）", " (province)", 20), ("city", "（市）", " (city)", 20),
                                  ("district", "（区县）", " (district)", 20),
                                  ("detail", "（详细地址）", " (street and number)", 100)):
            out.append(fld(f"{prefix}_address_{part}", f"{zh}{label_zh}{pzh}", f"{en}'s {label_en}{pen}",
                           "address" if part == "detail" else "text", max_length=n, sources=[
                               src(card, "address", f"address_{part}", of=of),
                               src(other, "address", f"address_{part}", of=of)]))
    if contact:
        out.append(fld(f"{prefix}_mobile", f"{zh}手机号码", f"{en}'s mobile number", "phone",
                       required=not instant, fmt="mobile"))
    if postcode:
        out.append(fld(f"{prefix}_postcode", f"{zh}邮政编码", f"{en}'s postcode", required=False,
                       max_length=6, fmt="postcode"))
    return out


def short_person(prefix, zh, en, required=True):
    """Another person named on the form (typed in, checked by the window)."""
    return [
        fld(f"{prefix}_name", f"{zh}姓名", f"{en}'s name", required=required),
        fld(f"{prefix}_id_number", f"{zh}公民身份号码", f"{en}'s citizen ID number", "id_number",
            required=required),
    ]


def household(of="applicant", full=True):
    out = [
        fld("household_number", "户号", "Household number", max_length=20, sources=[
            src(HOUSEHOLD, "household_number", of=of)]),
        fld("head_name", "户主姓名", "Head of household", sources=[src(HOUSEHOLD, "head_name", of=of)]),
        fld("relation_to_head", "与户主关系", "Relation to the head of household", max_length=10, sources=[
            src(HOUSEHOLD, "relation_to_head", of=of)]),
    ]
    if full:
        out += [
            fld("household_type", "户别", "Household type", "choice",
                options=[("家庭户", "家庭户", "Family household"), ("集体户", "集体户", "Collective household")],
                sources=[src(HOUSEHOLD, "household_type", of=of)]),
            fld("birthplace", "出生地", "Place of birth", max_length=50, sources=[src(HOUSEHOLD, "birthplace", of=of)]),
            fld("household_registration_date", "户口登记日期", "Date of household registration", "date",
                not_future=True, sources=[src(HOUSEHOLD, "registration_date", of=of)]),
            fld("household_authority", "户口登记机关", "Household registration authority", max_length=50,
                sources=[src(HOUSEHOLD, "issuing_authority", of=of)]),
        ]
    return out


def spouse(required=True, sourced=True):
    s = (lambda c, d=None: [src(MARRIAGE, c, d)]) if sourced else (lambda c, d=None: [])
    return [
        fld("spouse_name", "配偶姓名", "Spouse's name", required=required, sources=s("spouse_name")),
        fld("spouse_id_number", "配偶公民身份号码", "Spouse's citizen ID number", "id_number", required=required,
            sources=s("spouse_id_number")),
        fld("spouse_birth_date", "配偶出生日期", "Spouse's date of birth", "date", required=required,
            not_future=True, sources=s("spouse_birth_date") + (
                [src(MARRIAGE, "spouse_id_number", "birth_date_from_id_number")] if sourced else [])),
        fld("marriage_registration_date", "结婚登记日期", "Date of marriage registration", "date",
            required=required, not_future=True, sources=s("registration_date")),
        fld("marriage_authority", "婚姻登记机关", "Marriage registration authority", required=required,
            sources=s("issuing_authority")),
    ]


def child(full=True):
    out = [
        fld("child_name", "新生儿姓名", "Newborn's name", sources=[src(BIRTH, "name")]),
        fld("child_sex", "新生儿性别", "Newborn's sex", "choice", options=SEX, sources=[src(BIRTH, "sex")]),
        fld("child_birth_date", "出生日期", "Date of birth", "date", not_future=True, sources=[src(BIRTH, "birth_date")]),
    ]
    if full:
        out += [
            fld("child_birth_time", "出生时间", "Time of birth", max_length=5, min_length=5,
                sources=[src(BIRTH, "birth_time")]),
            fld("child_birthplace", "出生地点", "Place of birth", max_length=50, sources=[src(BIRTH, "birthplace")]),
            fld("birth_institution", "助产机构", "Delivering institution", max_length=50,
                sources=[src(BIRTH, "birth_institution")]),
        ]
    out += [
        fld("mother_name", "母亲姓名", "Mother's name", sources=[src(BIRTH, "mother_name")]),
        fld("mother_id_number", "母亲公民身份号码", "Mother's citizen ID number", "id_number",
            sources=[src(BIRTH, "mother_id_number")]),
        fld("father_name", "父亲姓名", "Father's name", sources=[src(BIRTH, "father_name")]),
        fld("father_id_number", "父亲公民身份号码", "Father's citizen ID number", "id_number",
            sources=[src(BIRTH, "father_id_number")]),
    ]
    if full:
        out += [
            fld("mother_ethnicity", "母亲民族", "Mother's ethnic group", max_length=20,
                sources=[src(BIRTH, "mother_ethnicity")]),
            fld("father_ethnicity", "父亲民族", "Father's ethnic group", max_length=20,
                sources=[src(BIRTH, "father_ethnicity")]),
            fld("birth_certificate_issue_date", "出生医学证明签发日期", "Issue date of the birth medical certificate",
                "date", not_future=True, sources=[src(BIRTH, "issue_date")]),
        ]
    return out


def property_(full=True, instant=False):
    out = [
        fld("property_address", "房屋坐落", "Property address", "address", max_length=120,
            sources=[src(PROPERTY, "property_address")]),
        fld("property_unit_number", "不动产单元号", "Real-estate unit number", max_length=28, min_length=28,
            sources=[src(PROPERTY, "unit_number")]),
        fld("property_co_ownership", "共有情况", "Co-ownership", "choice",
            options=[("单独所有", "单独所有", "Sole ownership"), ("共同共有", "共同共有", "Joint ownership"),
                     ("按份共有", "按份共有", "Ownership in shares")],
            sources=[src(PROPERTY, "co_ownership")]),
    ]
    if full:
        out += [
            fld("property_right_type", "权利类型", "Type of right", max_length=50, sources=[src(PROPERTY, "right_type")]),
            fld("property_right_nature", "权利性质", "Nature of right", max_length=50,
                sources=[src(PROPERTY, "right_nature")]),
            fld("property_usage", "用途", "Use", max_length=50, sources=[src(PROPERTY, "usage")]),
            fld("property_registration_date", "登记日期", "Date of registration", "date", not_future=True,
                sources=[src(PROPERTY, "registration_date")]),
            fld("property_authority", "登记机构", "Registration authority", max_length=50,
                sources=[src(PROPERTY, "issuing_authority")]),
        ]
    return out


def vehicle(full=True):
    out = [
        fld("vehicle_plate", "号牌号码", "Number plate", max_length=8, min_length=7, sources=[src(VEHICLE, "vehicle_plate")]),
        fld("vehicle_type", "车辆类型", "Vehicle type", max_length=20, sources=[src(VEHICLE, "vehicle_type")]),
        fld("vin", "车辆识别代号", "Vehicle identification number (VIN)", max_length=17, min_length=17,
            sources=[src(VEHICLE, "vin")]),
    ]
    if full:
        out += [
            fld("brand_model", "品牌型号", "Make and model", max_length=50, sources=[src(VEHICLE, "brand_model")]),
            fld("engine_number", "发动机号码", "Engine number", max_length=30, sources=[src(VEHICLE, "engine_number")]),
            fld("use_character", "使用性质", "Use", "choice",
                options=[("非营运", "非营运", "Private"), ("营运", "营运", "Commercial"),
                         ("预约出租客运", "预约出租客运", "Ride hailing")],
                sources=[src(VEHICLE, "use_character")]),
            fld("vehicle_registration_date", "注册日期", "Date of first registration", "date", not_future=True,
                sources=[src(VEHICLE, "registration_date")]),
        ]
    return out


LICENCE_CLASSES = [(c, c, c) for c in ("A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "C5", "C6",
                                       "D", "E", "F", "M", "N", "P")]


def driving():
    return [
        fld("licence_class", "准驾车型", "Licence class", "choice", options=LICENCE_CLASSES,
            sources=[src(DRIVING, "licence_class")]),
        fld("driving_file_number", "档案编号", "File number", max_length=12, min_length=12,
            sources=[src(DRIVING, "file_number")]),
        fld("first_issue_date", "初次领证日期", "Date first licensed", "date", not_future=True,
            sources=[src(DRIVING, "first_issue_date")]),
        fld("driving_valid_from", "有效期起始日期", "Valid from", "date", sources=[src(DRIVING, "valid_from")]),
    ]


def enterprise(instant, scope=False, rep=True):
    of = "applicant"
    out = [
        fld("enterprise_name", "企业名称", "Enterprise name", max_length=100, sources=[src(BUSINESS, "name", of=of)]),
        fld("uscc", "统一社会信用代码", "Unified social credit code", "uscc", sources=[src(BUSINESS, "uscc", of=of)]),
        fld("entity_type", "市场主体类型", "Type of entity", max_length=50, sources=[src(BUSINESS, "entity_type", of=of)]),
    ]
    if rep:
        out.append(fld("legal_representative", "法定代表人（负责人）", "Legal representative", sources=[
            src(BUSINESS, "legal_representative", of=of)]))
    out.append(fld("established_date", "成立日期", "Date of establishment", "date", not_future=True,
                   sources=[src(BUSINESS, "established_date", of=of)]))
    for part, pzh, pen, n in (("province", "（省）", " (province)", 20), ("city", "（市）", " (city)", 20),
                              ("district", "（区县）", " (district)", 20),
                              ("detail", "（详细地址）", " (street and number)", 100)):
        out.append(fld(f"enterprise_address_{part}", f"住所{pzh}", f"Registered address{pen}",
                       "address" if part == "detail" else "text", max_length=n,
                       sources=[src(BUSINESS, "address", f"address_{part}", of=of)]))
    if scope:
        out.append(fld("business_scope", "经营范围", "Business scope", max_length=2000,
                       sources=[src(BUSINESS, "business_scope", of=of)]))
    out.append(fld("enterprise_phone", "企业联系电话", "Enterprise's telephone", "phone", required=not instant))
    return out


def agent(instant):
    """The person acting for the enterprise (经办人): their own ID card."""
    return [
        fld("agent_name", "经办人姓名", "Agent's name", sources=[src(ID_CARD, "name", of="agent")]),
        fld("agent_id_number", "经办人公民身份号码", "Agent's citizen ID number", "id_number",
            sources=[src(ID_CARD, "id_number", of="agent")]),
        fld("agent_mobile", "经办人手机号码", "Agent's mobile number", "phone", required=not instant, fmt="mobile"),
    ]


def bank(required=True):
    return [
        fld("bank_name", "开户银行", "Bank", required=required, max_length=50),
        fld("bank_account_name", "账户名", "Account holder", required=required, max_length=50),
        fld("bank_account", "银行账号", "Bank account number", required=required, max_length=30, min_length=12),
    ]


def delivery(required=False):
    return [
        fld("delivery_method", "领取方式", "How to receive it", "choice", required=required, options=DELIVERY),
        fld("delivery_address", "邮寄地址", "Postal address", "address", required=False, max_length=120),
    ]


def reason(zh="申请事由", en="Reason for the application", required=True, n=200):
    return [fld("reason", zh, en, required=required, max_length=n)]


def photo(required=True, zh="本人近期免冠彩色照片", en="Recent colour photograph"):
    return [fld("photo", zh, en, "attachment", required=required, max_length=200)]


def mat(id_, zh, en, satisfied_by=None, required=True, tolerance=None):
    return {"id": id_, "name_zh": zh, "name_en": en, "satisfied_by": satisfied_by, "required": required,
            "tolerance_days": tolerance}


M_ID = mat("id-card", "居民身份证", "Resident ID card", ID_CARD)
M_HOUSEHOLD = mat("household-register", "居民户口簿", "Household register", HOUSEHOLD)
M_DRIVING = mat("driving-licence", "机动车驾驶证", "Driving licence", DRIVING)
M_VEHICLE = mat("vehicle-registration", "机动车行驶证", "Vehicle registration certificate", VEHICLE)
M_BUSINESS = mat("business-licence", "营业执照", "Business licence", BUSINESS)
M_MARRIAGE = mat("marriage-certificate", "结婚证", "Marriage certificate", MARRIAGE)
M_BIRTH = mat("birth-medical-certificate", "出生医学证明", "Birth medical certificate", BIRTH)
M_PROPERTY = mat("property-certificate", "不动产权证书", "Real-estate certificate", PROPERTY)
M_SOCIAL = mat("social-security-card", "社会保障卡", "Social security card", SOCIAL)
M_AGENT_ID = mat("agent-id-card", "经办人居民身份证", "Agent's resident ID card", ID_CARD)


def opt(m):
    return dict(m, required=False)


FREE = {"amount_fen": 0, "note_zh": "不收费", "note_en": "Free"}


def fee(fen, zh, en):
    return {"amount_fen": fen, "note_zh": zh, "note_en": en}


def result(kind, zh, en):
    return {"vct": vct(kind), "name_zh": zh, "name_en": en}


ITEMS = []


def item(id_, name_zh, name_en, office, theme, fields, materials, *, audience="person", keywords=(),
         days=0, fee_=FREE, instant=False, checks=(), co_signing=None, result_=None, code=None):
    # A required paper material that may not follow later (no 容缺) is uploaded with the form: it
    # becomes an attachment field (its scan) instead of a material.
    fields = list(fields)
    kept = []
    for m in materials:
        if m["required"] and m["satisfied_by"] is None and not m["tolerance_days"]:
            fields.append(fld(m["id"].replace("-", "_") + "_scan", m["name_zh"] + "（扫描件）",
                              m["name_en"] + " (scan)", "attachment", max_length=200))
        else:
            kept.append(m)
    materials = kept
    ITEMS.append({
        "id": id_, "code": code, "name_zh": name_zh, "name_en": name_en,
        "office": {"id": office, "name_zh": OFFICES[office][0], "name_en": OFFICES[office][1]},
        "theme": theme, "audience": audience, "keywords_zh": list(keywords),
        "promised_working_days": days, "fee": fee_, "instant": instant, "checks": list(checks),
        "check_claims": check_claims(checks, fields), "co_signing": co_signing, "result": result_, "bundles": [],
        "materials": list(materials), "form": {"version": 1, "fields": list(fields)},
    })


def check_claims(checks, fields):
    """The claims the checks read beyond what the form's own sources read."""
    read_by_form = {(s["vct"], s["claim"]) for f in fields for s in f["sources"] if s["of"] == "applicant"}
    out = []
    for c in checks:
        for (v, claim) in CHECK_READS[c]:
            entry = {"vct": v, "claim": claim}
            if (v, claim) not in read_by_form and entry not in out:
                out.append(entry)
    return out


def P(instant, **kw):
    """The applicant's own block."""
    return person("applicant", "申请人", "Applicant", instant, **kw)


# ---------------------------------------------------------------------------------------------
# 公安局: household registration (户政), ID cards, exit and entry, public order.

def public_security():
    o = "public-security"
    item("household-register-print", "户口本打印", "Household register printing (reissue or renewal)", o,
         "household_registration",
         P(True) + household() + delivery(),
         [M_ID, M_HOUSEHOLD], keywords=["户口簿", "补领", "换领", "户口本"], days=1, instant=True)
    item("household-certificate-issuance", "户籍证明开具", "Certificate of household registration", o,
         "household_registration",
         P(True) + household() + [fld("certificate_use", "证明用途", "Purpose of the certificate", required=False,
                                      max_length=100)],
         [M_ID, M_HOUSEHOLD], keywords=["户籍证明", "户口证明"], days=1, instant=True,
         result_=result("household_certificate", "户籍证明", "Certificate of household registration"))
    item("resident-id-renewal", "居民身份证换领", "Resident ID card renewal", o, "identity_documents",
         P(False, household_address=True) + photo() + delivery(True),
         [M_ID, M_HOUSEHOLD], keywords=["身份证到期", "换证"], days=20, fee_=fee(2000, "工本费20元", "Card fee CNY 20"))
    item("resident-id-replacement", "居民身份证补领", "Resident ID card replacement", o, "identity_documents",
         P(False, household_address=True) + photo() + reason("遗失情况说明", "How the card was lost") + delivery(True),
         [M_HOUSEHOLD, mat("loss-statement", "身份证遗失声明", "Statement of loss", required=False)],
         keywords=["身份证丢了", "补办身份证"], days=20, fee_=fee(4000, "工本费40元", "Card fee CNY 40"))
    item("resident-id-first-application", "居民身份证首次申领", "First resident ID card", o, "identity_documents",
         P(False, household_address=True) + short_person("guardian", "监护人", "Guardian") + photo() + delivery(True),
         [M_HOUSEHOLD, mat("guardian-id-card", "监护人居民身份证", "Guardian's resident ID card", ID_CARD, required=False)],
         keywords=["未成年人办身份证"], days=20, fee_=fee(2000, "工本费20元", "Card fee CNY 20"))
    item("temporary-id-card", "临时居民身份证申领", "Temporary resident ID card", o, "identity_documents",
         P(False, household_address=True) + photo() + reason(),
         [M_HOUSEHOLD], keywords=["临时身份证", "乘机"], days=0, fee_=fee(1000, "工本费10元", "Card fee CNY 10"))
    item("residence-permit", "居住证申领", "Residence permit application", o, "residence",
         P(False) + [
             fld("residence_address", "居住地址", "Address of residence", "address", max_length=120),
             fld("residence_since", "居住起始日期", "Resident since", "date", not_future=True),
             fld("residence_reason", "居住事由", "Reason for residence", "choice", options=[
                 ("employment", "就业", "Employment"), ("business", "经商", "Running a business"),
                 ("study", "就学", "Study"), ("family", "投靠亲属", "Living with relatives"),
                 ("other", "其他", "Other")]),
             fld("employer", "就业单位（学校）", "Employer (school)", required=False, max_length=100),
             fld("housing_type", "住所类型", "Kind of housing", "choice", options=[
                 ("rented", "租赁", "Rented"), ("owned", "自有", "Owned"), ("employer", "单位宿舍", "Employer's housing"),
                 ("relatives", "亲友住房", "Relatives' or friends' home")]),
         ] + photo() + delivery(True),
         [M_ID, mat("residence-proof", "居住证明（租赁登记备案证明、房产证明等）", "Proof of residence", required=True,
                    tolerance=10), opt(mat("labour-contract", "劳动合同或就业证明", "Employment contract or proof"))],
         keywords=["居住证", "积分入学", "随迁子女"], days=10,
         result_=result("residence_permit", "居住证", "Residence permit"))
    item("residence-permit-endorsement", "居住证签注", "Residence permit annual endorsement", o, "residence",
         P(True) + [fld("residence_address", "居住地址", "Address of residence", "address", required=False, max_length=120)],
         [M_ID], keywords=["居住证续签"], days=1, instant=True)
    item("newborn-hukou-registration", "出生登记（新生儿入户）", "Newborn household registration", o,
         "household_registration",
         P(False) + child() + household(full=False) + [
             fld("child_relation", "新生儿与户主关系", "Newborn's relation to the head", max_length=10),
         ],
         [M_ID, M_HOUSEHOLD, M_BIRTH, opt(M_MARRIAGE)], keywords=["上户口", "新生儿落户"], days=5, checks=[])
    item("spouse-hukou-transfer", "夫妻投靠入户", "Household transfer to join a spouse", o, "household_registration",
         P(False) + spouse() + household(full=False) + [
             fld("origin_address", "迁出地户籍地址", "Registered address being left", "address", max_length=120),
         ],
         [M_ID, M_HOUSEHOLD, M_MARRIAGE, mat("spouse-household-register", "配偶居民户口簿", "Spouse's household register",
                                           required=True, tolerance=15)],
         keywords=["随迁", "投靠"], days=20)
    item("hukou-move-within-city", "市内户口迁移", "Moving household registration within the city", o,
         "household_registration",
         P(False, household_address=True) + household(full=False) + [
             fld("new_address", "迁入地址", "New address", "address", max_length=120),
             fld("move_reason", "迁移原因", "Reason for the move", "choice", options=[
                 ("purchase", "购房", "Bought a home"), ("family", "投靠亲属", "Joining relatives"),
                 ("work", "工作调动", "Job transfer"), ("other", "其他", "Other")]),
         ],
         [M_ID, M_HOUSEHOLD, opt(M_PROPERTY)], keywords=["迁户口", "户口迁移"], days=5)
    item("talent-hukou", "人才引进入户", "Household registration for recruited talent", o, "household_registration",
         P(False) + [
             fld("education_level", "学历", "Education level", "choice", options=[
                 ("bachelor", "本科", "Bachelor's degree"), ("master", "硕士研究生", "Master's degree"),
                 ("doctor", "博士研究生", "Doctorate"), ("college", "大专", "Junior college")]),
             fld("graduate_school", "毕业院校", "University", max_length=100),
             fld("diploma_number", "毕业证书编号", "Diploma number", max_length=30),
             fld("employer", "工作单位", "Employer", max_length=100),
             fld("employer_uscc", "工作单位统一社会信用代码", "Employer's credit code", "uscc"),
         ] + spouse(required=False, sourced=False),
         [M_ID, M_HOUSEHOLD, mat("diploma", "毕业证书、学位证书", "Diploma and degree certificate", tolerance=15),
          opt(M_MARRIAGE)], keywords=["落户", "人才入户", "迁入"], days=15)
    item("graduate-hukou", "应届毕业生入户", "Household registration for new graduates", o, "household_registration",
         P(False) + [
             fld("graduate_school", "毕业院校", "University", max_length=100),
             fld("graduation_date", "毕业时间", "Graduation date", "date", not_future=True),
             fld("report_card_number", "报到证编号", "Registration card number", required=False, max_length=30),
             fld("employer", "接收单位", "Receiving employer", max_length=100),
         ],
         [M_ID, M_HOUSEHOLD, mat("diploma", "毕业证书", "Diploma", tolerance=30)],
         keywords=["毕业生落户"], days=10)
    item("death-hukou-cancellation", "死亡注销户口", "Cancelling the household registration of a deceased person",
         o, "after_death",
         P(False) + short_person("deceased", "死者", "Deceased") + [
             fld("death_date", "死亡日期", "Date of death", "date", not_future=True),
             fld("death_certificate_number", "死亡医学证明编号", "Number of the medical death certificate", max_length=20),
             fld("relation_to_deceased", "申请人与死者关系", "Relation to the deceased", max_length=10),
         ],
         [M_ID, mat("death-certificate", "居民死亡医学证明（推断）书", "Medical certificate of death"),
          mat("deceased-household-register", "死者居民户口簿", "Deceased's household register", tolerance=15)],
         keywords=["销户", "身后事"], days=1)
    item("criminal-record-certificate", "无犯罪记录证明开具", "Certificate of no criminal record", o, "certificates",
         P(False) + [
             fld("certificate_use", "证明用途", "Purpose of the certificate", "choice", options=[
                 ("employment", "就业", "Employment"), ("study_abroad", "出国留学", "Study abroad"),
                 ("immigration", "移民", "Immigration"), ("other", "其他", "Other")]),
             fld("destination_country", "前往国家（地区）", "Destination country or region", required=False, max_length=50),
         ],
         [M_ID], keywords=["无犯罪证明", "良民证"], days=3,
         result_=result("no_criminal_record_certificate", "无犯罪记录证明", "Certificate of no criminal record"))
    item("name-change", "变更姓名", "Change of name", o, "household_registration",
         P(False) + household(full=False) + [
             fld("new_name", "拟变更姓名", "New name", max_length=50),
             fld("change_reason", "变更原因", "Reason for the change", max_length=200),
         ],
         [M_ID, M_HOUSEHOLD, mat("name-change-statement", "变更姓名申请书", "Application for the change of name")],
         keywords=["改名"], days=20)
    item("passport-application", "普通护照签发", "Ordinary passport", o, "exit_entry",
         P(False, household_address=True) + photo() + [
             fld("emergency_contact", "紧急联系人", "Emergency contact", max_length=50),
             fld("emergency_phone", "紧急联系人电话", "Emergency contact's telephone", "phone"),
         ] + delivery(True),
         [M_ID], keywords=["护照", "出国"], days=7, fee_=fee(12000, "护照工本费120元", "Passport fee CNY 120"))
    item("hk-macau-permit", "往来港澳通行证及签注", "Exit-entry permit for Hong Kong and Macao", o, "exit_entry",
         P(False, household_address=True) + photo() + [
             fld("endorsement_type", "签注种类", "Kind of endorsement", "choice", options=[
                 ("tourism", "团队旅游", "Group tourism"), ("visit", "探亲", "Family visit"),
                 ("business", "商务", "Business"), ("other", "其他", "Other")]),
             fld("endorsement_times", "签注次数", "Number of visits", "choice", options=[
                 ("once", "一次", "Single"), ("twice", "二次", "Double")]),
         ] + delivery(True),
         [M_ID], keywords=["港澳通行证", "签注"], days=7, fee_=fee(6000, "证件工本费60元", "Permit fee CNY 60"))
    item("taiwan-permit", "往来台湾通行证", "Exit-entry permit for Taiwan", o, "exit_entry",
         P(False, household_address=True) + photo() + delivery(True),
         [M_ID], keywords=["台湾通行证"], days=7, fee_=fee(6000, "证件工本费60元", "Permit fee CNY 60"))
    item("dog-registration", "犬只登记", "Dog registration", o, "public_order",
         P(True) + [
             fld("dog_breed", "犬只品种", "Breed", required=False, max_length=30),
             fld("dog_name", "犬名", "Dog's name", required=False, max_length=20),
             fld("dog_sex", "犬只性别", "Dog's sex", "choice", required=False,
                 options=[("公", "公", "Male"), ("母", "母", "Female")]),
             fld("dog_birth_date", "犬只出生日期", "Dog's date of birth", "date", required=False, not_future=True),
             fld("rabies_vaccination_date", "狂犬病疫苗接种日期", "Date of rabies vaccination", "date",
                 required=False, not_future=True),
             fld("chip_number", "芯片编号", "Microchip number", required=False, max_length=20),
         ],
         [M_ID, mat("vaccination-certificate", "犬只狂犬病免疫证明", "Rabies vaccination certificate",
                    required=False)], keywords=["养狗", "犬证"], days=1, instant=True)
    item("company-seal-engraving", "公章刻制", "Company seal engraving and filing", o, "business_start",
         enterprise(True) + agent(True) + [
             fld("seal_types", "印章种类", "Seals to engrave", "choice", required=False, options=[
                 ("official", "公章", "Official seal"), ("financial", "财务专用章", "Financial seal"),
                 ("invoice", "发票专用章", "Invoice seal"), ("contract", "合同专用章", "Contract seal"),
                 ("full_set", "全套印章", "Full set")]),
             fld("engraving_company", "刻章企业", "Seal engraving company", required=False, max_length=100),
         ],
         [M_BUSINESS, M_AGENT_ID], audience="enterprise", keywords=["刻章", "印章备案"], days=1, instant=True,
         checks=["enterprise_active"],
         result_=result("seal_filing_certificate", "印章刻制备案回执", "Seal engraving filing receipt"))


# ---------------------------------------------------------------------------------------------
# 交警: drivers and vehicles.

def traffic_police():
    o = "traffic-police"
    item("driving-licence-renewal", "机动车驾驶证期满换证", "Driving licence renewal on expiry", o, "drivers",
         P(False, household_address=True) + driving() + [
             fld("medical_exam_date", "体检日期", "Date of the medical examination", "date", not_future=True),
             fld("medical_institution", "体检医疗机构", "Examining hospital", max_length=100),
         ] + photo() + delivery(True),
         [M_ID, M_DRIVING, mat("medical-certificate", "机动车驾驶人身体条件证明", "Driver's medical certificate",
                               tolerance=5)],
         keywords=["驾照到期", "换驾照"], days=1, fee_=fee(1000, "工本费10元", "Licence fee CNY 10"))
    item("driving-licence-replacement", "机动车驾驶证补证", "Driving licence replacement", o, "drivers",
         P(True, household_address=True) + driving() + delivery(),
         [M_ID, M_DRIVING], keywords=["驾照丢了", "补驾照"], days=1, instant=True,
         fee_=fee(1000, "工本费10元", "Licence fee CNY 10"))
    item("driving-licence-review", "机动车驾驶证审验", "Driving licence review", o, "drivers",
         P(True) + driving() + [fld("study_completed", "已完成满分学习", "Completed the required study", "choice",
                                     required=False, options=YES_NO)],
         [M_ID, M_DRIVING], keywords=["驾照审验", "年审"], days=1, instant=True)
    item("driver-info-change", "驾驶人联系方式变更备案", "Change of a driver's contact details", o, "drivers",
         P(True) + [
             fld("new_mobile", "新手机号码", "New mobile number", "phone", required=False, fmt="mobile"),
             fld("new_postal_address", "新联系地址", "New postal address", "address", required=False, max_length=120),
         ],
         [M_ID, M_DRIVING], keywords=["换手机号", "驾驶人信息"], days=0, instant=True)
    item("vehicle-registration", "机动车注册登记", "First vehicle registration", o, "vehicles",
         P(False) + [
             fld("vin", "车辆识别代号", "Vehicle identification number (VIN)", max_length=17, min_length=17),
             fld("brand_model", "品牌型号", "Make and model", max_length=50),
             fld("vehicle_type", "车辆类型", "Vehicle type", max_length=20),
             fld("engine_number", "发动机号码", "Engine number", max_length=30),
             fld("invoice_number", "购车发票号码", "Purchase invoice number", max_length=20),
             fld("insurance_policy", "交强险保单号", "Compulsory insurance policy number", max_length=30),
             fld("plate_choice", "选号方式", "Number plate selection", "choice", options=[
                 ("random", "随机选号", "Random"), ("self", "自编自选", "Self-composed"),
                 ("pool", "号码池选号", "From the number pool")]),
         ],
         [M_ID, mat("purchase-invoice", "机动车销售统一发票", "Vehicle sales invoice", tolerance=5),
          mat("certificate-of-conformity", "机动车整车出厂合格证", "Certificate of conformity"),
          mat("compulsory-insurance", "交强险凭证", "Compulsory insurance certificate")],
         keywords=["上牌", "新车登记"], days=1, fee_=fee(10000, "号牌工本费100元", "Plate fee CNY 100"))
    item("vehicle-transfer", "机动车转移登记（过户）", "Vehicle ownership transfer", o, "vehicles",
         P(False) + vehicle() + short_person("buyer", "现机动车所有人", "New owner") + [
             fld("transfer_price", "交易价格（元）", "Price (CNY)", max_length=12),
         ],
         [M_ID, M_VEHICLE, mat("transaction-invoice", "二手车销售统一发票", "Used-car sales invoice", tolerance=5)],
         keywords=["过户", "二手车"], days=1, co_signing={"roles": ["buyer"], "deadline_days": 5})
    item("vehicle-inspection-sticker", "机动车检验标志核发（六年免检）", "Inspection mark for inspection-exempt vehicles",
         o, "vehicles",
         P(True) + vehicle() + [fld("insurance_policy", "交强险保单号", "Compulsory insurance policy number",
                                    required=False, max_length=30)],
         [M_ID, M_VEHICLE], keywords=["年检", "免检", "检验标志"], days=0, instant=True,
         result_=result("vehicle_inspection_mark", "机动车检验合格标志", "Vehicle inspection mark"))
    item("plate-replacement", "补领、换领机动车号牌", "Number plate replacement", o, "vehicles",
         P(True) + vehicle(full=False) + delivery(),
         [M_ID, M_VEHICLE], keywords=["车牌丢了"], days=1, instant=True,
         fee_=fee(10000, "号牌工本费100元", "Plate fee CNY 100"))
    item("vehicle-licence-replacement", "补领机动车行驶证", "Vehicle registration certificate replacement", o, "vehicles",
         P(True) + vehicle(full=False) + delivery(),
         [M_ID, M_VEHICLE], keywords=["行驶证丢了"], days=1, instant=True, fee_=fee(1500, "工本费15元", "Fee CNY 15"))
    item("traffic-violation-handling", "交通违法处理", "Settling a traffic violation", o, "drivers",
         P(True, address=False, postcode=False) + vehicle(full=False) + [
             fld("violation_number", "违法记录编号", "Violation record number", required=False, max_length=30),
         ],
         [M_ID, M_DRIVING, opt(M_VEHICLE)], keywords=["违章", "罚款"], days=0, instant=True)
    item("temporary-plate", "临时行驶车号牌核发", "Temporary number plate", o, "vehicles",
         P(False) + [
             fld("vin", "车辆识别代号", "Vehicle identification number (VIN)", max_length=17, min_length=17),
             fld("temporary_route", "临时通行区间", "Route", max_length=100),
             fld("valid_from", "有效期起", "Valid from", "date", not_past=True),
         ],
         [M_ID, mat("purchase-invoice", "购车发票", "Purchase invoice")], keywords=["临牌"], days=0,
         fee_=fee(500, "工本费5元", "Fee CNY 5"))
    item("vehicle-mortgage-registration", "机动车抵押登记", "Vehicle mortgage registration", o, "vehicles",
         P(False) + vehicle(full=False) + [
             fld("mortgagee", "抵押权人名称", "Mortgagee", max_length=100),
             fld("mortgagee_uscc", "抵押权人统一社会信用代码", "Mortgagee's credit code", "uscc"),
             fld("loan_amount", "主债权数额（元）", "Secured amount (CNY)", max_length=15),
         ],
         [M_ID, M_VEHICLE, mat("mortgage-contract", "抵押合同", "Mortgage contract")], keywords=["车贷", "抵押"], days=1)
    item("vehicle-deregistration", "机动车注销登记", "Vehicle deregistration", o, "vehicles",
         P(False) + vehicle() + [
             fld("deregistration_reason", "注销原因", "Reason", "choice", options=[
                 ("scrapped", "报废", "Scrapped"), ("lost", "灭失", "Destroyed or lost"),
                 ("exported", "出境", "Exported"), ("other", "其他", "Other")]),
         ],
         [M_ID, M_VEHICLE, mat("scrap-certificate", "报废机动车回收证明", "Scrapping certificate", tolerance=10)],
         keywords=["报废", "注销车辆"], days=1)
    item("e-bike-registration", "电动自行车登记上牌", "Electric bicycle registration", o, "vehicles",
         P(False) + [
             fld("ebike_brand", "品牌型号", "Make and model", max_length=50),
             fld("ebike_frame_number", "整车编码", "Frame number", max_length=30),
             fld("ebike_motor_number", "电机编码", "Motor number", max_length=30),
             fld("ebike_colour", "车身颜色", "Colour", max_length=10),
             fld("purchase_date", "购车日期", "Date of purchase", "date", not_future=True),
         ],
         [M_ID, mat("ccc-certificate", "产品合格证（CCC）", "Certificate of conformity (CCC)"),
          mat("purchase-receipt", "购车凭证", "Proof of purchase", tolerance=7)],
         keywords=["电动车上牌", "电动车"], days=1,
         result_=result("e_bike_registration", "电动自行车行驶证", "Electric bicycle registration certificate"))


# ---------------------------------------------------------------------------------------------
# 民政局: marriage, elderly, social assistance.

def civil_affairs():
    o = "civil-affairs"
    party_spouse = [
        fld("partner_name", "对方姓名", "Partner's name", max_length=50),
        fld("partner_id_number", "对方公民身份号码", "Partner's citizen ID number", "id_number"),
        fld("partner_nationality", "对方国籍", "Partner's nationality", max_length=20),
    ]
    item("marriage-registration", "结婚登记", "Marriage registration", o, "marriage",
         P(False, household_address=True) + household(full=False) + party_spouse + [
             fld("appointment_date", "预约登记日期", "Appointment date", "date", not_past=True),
             fld("ceremony", "是否需要颁证仪式", "Certificate ceremony wanted", "choice", required=False, options=YES_NO),
         ] + photo(zh="双方合影照片（2寸）", en="Joint photograph (2 inch)"),
         [M_ID, M_HOUSEHOLD, mat("single-statement", "本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明",
                                 "Signed declaration of being unmarried and not closely related")],
         keywords=["领证", "结婚"], days=0, fee_=fee(900, "工本费9元", "Certificate fee CNY 9"),
         co_signing={"roles": ["partner"], "deadline_days": 30},
         result_=result("marriage_registration_receipt", "结婚登记预约受理回执", "Marriage registration receipt"))
    item("divorce-registration", "离婚登记", "Divorce registration", o, "marriage",
         P(False) + spouse() + [
             fld("agreement_summary", "离婚协议主要内容", "Summary of the divorce agreement", max_length=2000),
             fld("children_arrangement", "子女抚养安排", "Arrangements for children", required=False, max_length=500),
             fld("property_arrangement", "财产分割安排", "Division of property", required=False, max_length=500),
         ],
         [M_ID, M_HOUSEHOLD, M_MARRIAGE, mat("divorce-agreement", "离婚协议书", "Divorce agreement")],
         keywords=["离婚", "冷静期"], days=30, co_signing={"roles": ["spouse"], "deadline_days": 30})
    item("marriage-certificate-replacement", "补领结婚证", "Marriage certificate replacement", o, "marriage",
         P(False) + spouse() + photo(zh="双方合影照片（2寸）", en="Joint photograph (2 inch)"),
         [M_ID, M_HOUSEHOLD, opt(M_MARRIAGE)], keywords=["结婚证丢了"], days=0,
         fee_=fee(900, "工本费9元", "Certificate fee CNY 9"))
    item("marriage-record-certificate", "婚姻登记记录证明", "Certificate of marriage registration records", o, "marriage",
         P(True) + [fld("certificate_use", "证明用途", "Purpose of the certificate", required=False, max_length=100)],
         [M_ID], keywords=["婚姻状况证明", "单身证明"], days=0, instant=True,
         result_=result("marriage_record_certificate", "婚姻登记记录证明", "Certificate of marriage registration records"))
    item("senior-preferential-card", "敬老优待证申领", "Senior citizen preferential card", o, "elderly",
         P(True) + [
             fld("emergency_contact", "紧急联系人", "Emergency contact", required=False, max_length=50),
             fld("emergency_phone", "紧急联系人电话", "Emergency contact's telephone", "phone", required=False),
         ] + photo(required=False) + delivery(),
         [M_ID, opt(M_HOUSEHOLD)], keywords=["老人优待证", "敬老卡", "长者卡", "免费乘车"], days=3, instant=True,
         checks=["age_over_60"],
         result_=result("senior_preferential_card", "敬老优待证", "Senior citizen preferential card"))
    item("longevity-allowance", "高龄津贴申领", "Longevity allowance for people over 80", o, "elderly",
         P(False) + bank() + delivery(),
         [M_ID, M_HOUSEHOLD], keywords=["高龄补贴", "老人津贴"], days=15)
    item("minimum-living-allowance", "最低生活保障申请", "Minimum living allowance (dibao)", o, "social_assistance",
         P(False) + household(full=False) + [
             fld("household_size", "共同生活家庭成员人数", "People in the household", max_length=2),
             fld("monthly_income", "家庭月人均收入（元）", "Monthly income per head (CNY)", max_length=10),
             fld("hardship", "困难情况说明", "Description of the hardship", max_length=1000),
             fld("authorise_check", "同意核对家庭经济状况", "Consent to the household means check", "choice",
                 options=YES_NO),
         ] + bank(),
         [M_ID, M_HOUSEHOLD, mat("income-proof", "家庭收入证明", "Proof of household income", tolerance=15),
          mat("means-check-authorisation", "家庭经济状况核对授权书", "Authorisation of the means check")],
         keywords=["低保", "困难救助"], days=30)
    item("extreme-poverty-support", "特困人员救助供养申请", "Support for people in extreme poverty", o,
         "social_assistance",
         P(False) + [
             fld("support_mode", "供养方式", "Form of support", "choice", options=[
                 ("home", "分散供养", "At home"), ("institution", "集中供养", "In an institution")]),
             fld("self_care", "生活自理能力", "Self-care ability", "choice", options=[
                 ("full", "全自理", "Fully independent"), ("partial", "半护理", "Partly dependent"),
                 ("none", "全护理", "Fully dependent")]),
             fld("hardship", "困难情况说明", "Description of the hardship", max_length=1000),
         ] + bank(),
         [M_ID, M_HOUSEHOLD, mat("means-check-authorisation", "家庭经济状况核对授权书",
                                 "Authorisation of the means check")],
         keywords=["五保", "特困供养"], days=40)
    item("temporary-assistance", "临时救助申请", "Temporary assistance", o, "social_assistance",
         P(False) + [
             fld("emergency_type", "困难类型", "Kind of emergency", "choice", options=[
                 ("illness", "重大疾病", "Serious illness"), ("accident", "意外事故", "Accident"),
                 ("disaster", "自然灾害", "Natural disaster"), ("other", "其他", "Other")]),
             fld("amount_requested", "申请金额（元）", "Amount requested (CNY)", max_length=10),
             fld("hardship", "困难情况说明", "Description of the hardship", max_length=1000),
         ] + bank(),
         [M_ID, mat("hardship-proof", "困难情况证明材料", "Proof of the hardship", tolerance=10)],
         keywords=["急难救助"], days=10)
    item("home-care-subsidy", "居家养老服务补贴申请", "Home care subsidy for the elderly", o, "elderly",
         P(False) + [
             fld("care_level", "老年人能力等级", "Care level", "choice", options=[
                 ("0", "能力完好", "Intact"), ("1", "轻度失能", "Mildly impaired"),
                 ("2", "中度失能", "Moderately impaired"), ("3", "重度失能", "Severely impaired")]),
             fld("service_provider", "服务机构", "Care provider", required=False, max_length=100),
         ] + short_person("carer", "联系人", "Contact person") + [
             fld("carer_mobile", "联系人手机号码", "Contact's mobile number", "phone", fmt="mobile")],
         [M_ID, mat("assessment-report", "老年人能力评估报告", "Capability assessment report", tolerance=15)],
         keywords=["居家养老", "养老补贴"], days=20)
    item("funeral-subsidy", "惠民殡葬补贴申领", "Funeral subsidy", o, "after_death",
         P(False) + short_person("deceased", "逝者", "Deceased") + [
             fld("death_date", "死亡日期", "Date of death", "date", not_future=True),
             fld("cremation_certificate_number", "火化证明编号", "Cremation certificate number", max_length=20),
             fld("relation_to_deceased", "与逝者关系", "Relation to the deceased", max_length=10),
         ] + bank(),
         [M_ID, mat("cremation-certificate", "火化证明", "Cremation certificate"),
          mat("death-certificate", "死亡医学证明", "Medical certificate of death", tolerance=10)],
         keywords=["丧葬补贴", "殡葬"], days=10)
    item("adoption-registration", "收养登记", "Adoption registration", o, "family",
         P(False) + spouse(required=False, sourced=False) + short_person("adoptee", "被收养人", "Adoptee") + [
             fld("adoptee_birth_date", "被收养人出生日期", "Adoptee's date of birth", "date", not_future=True),
             fld("adoption_reason", "收养原因", "Reason for the adoption", max_length=500),
         ],
         [M_ID, M_HOUSEHOLD, mat("adoption-agreement", "收养协议", "Adoption agreement"),
          mat("health-certificate", "收养人健康检查证明", "Adopter's health certificate", tolerance=15)],
         keywords=["领养"], days=30)
    item("child-welfare-allowance", "困境儿童基本生活保障", "Living allowance for children in difficulty", o,
         "social_assistance",
         P(False) + short_person("child", "儿童", "Child") + [
             fld("child_situation", "困境类型", "Kind of difficulty", "choice", options=[
                 ("orphan", "孤儿", "Orphan"), ("unsupported", "事实无人抚养", "Without de facto carer"),
                 ("disabled", "重残重病", "Severely disabled or ill"), ("poor", "低保家庭", "Low-income family")]),
         ] + bank(),
         [M_ID, M_HOUSEHOLD, mat("situation-proof", "困境情况证明材料", "Proof of the situation", tolerance=15)],
         keywords=["孤儿", "儿童福利"], days=20)
    item("elderly-capability-assessment", "老年人能力评估申请", "Capability assessment for the elderly", o, "elderly",
         P(False) + [
             fld("assessment_address", "评估地点", "Where to assess", "address", max_length=120),
             fld("preferred_date", "期望评估日期", "Preferred date", "date", not_past=True),
         ],
         [M_ID], keywords=["失能评估", "养老评估"], days=15)
    item("social-organisation-registration", "社会团体成立登记", "Registration of a social organisation", o,
         "organisations",
         enterprise(False, rep=False) + agent(False) + [
             fld("organisation_name", "社会团体名称", "Organisation name", max_length=100),
             fld("business_sponsor", "业务主管单位", "Sponsoring authority", required=False, max_length=100),
             fld("member_count", "会员数量", "Number of members", max_length=6),
             fld("activity_funds", "活动资金（元）", "Funds (CNY)", max_length=12),
             fld("organisation_address", "住所", "Address", "address", max_length=120),
             fld("purpose", "宗旨和业务范围", "Purpose and activities", max_length=2000),
         ],
         [M_BUSINESS, M_AGENT_ID, mat("articles", "章程草案", "Draft articles"),
          mat("funds-proof", "验资报告", "Capital verification report", tolerance=15)],
         audience="enterprise", keywords=["社团登记", "协会"], days=30)
    item("disability-subsidies", "残疾人两项补贴申请", "Living and care subsidies for people with disabilities", o,
         "disability",
         P(False) + [
             fld("disability_card_number", "残疾人证号", "Disability card number", max_length=20, min_length=20),
             fld("subsidy_type", "补贴类型", "Subsidy", "choice", options=[
                 ("living", "困难残疾人生活补贴", "Living subsidy"),
                 ("care", "重度残疾人护理补贴", "Care subsidy"), ("both", "两项补贴", "Both")]),
         ] + bank(),
         [M_ID, mat("disability-card", "残疾人证", "Disability card")], keywords=["残疾补贴", "护理补贴"], days=20)


# ---------------------------------------------------------------------------------------------
# 人社局: social insurance, employment, retirement.

def human_resources():
    o = "human-resources"
    item("social-security-card-application", "社会保障卡申领", "Social security card application", o,
         "social_insurance",
         P(True) + photo(required=False) + delivery() + [
             fld("bank_branch", "发卡银行网点", "Issuing bank branch", required=False, max_length=50)],
         [M_ID, opt(M_HOUSEHOLD)], keywords=["社保卡", "办社保卡", "新生儿社保卡"], days=5, instant=True)
    item("social-security-card-replacement", "社会保障卡补换", "Social security card replacement", o,
         "social_insurance",
         P(True) + [fld("replacement_reason", "补换原因", "Reason", "choice", required=False, options=[
             ("lost", "遗失", "Lost"), ("damaged", "损坏", "Damaged"), ("upgrade", "换发第三代卡", "Upgrade to the third-generation card")])]
         + delivery(),
         [M_ID, M_SOCIAL], keywords=["社保卡补办"], days=5, instant=True,
         fee_=fee(0, "首次补换免费", "First replacement free"))
    item("social-security-card-suspension", "社会保障卡挂失", "Reporting a lost social security card", o,
         "social_insurance",
         [f for f in P(True, ethnicity=False, address=False) if f["name"] != "applicant_postcode"],
         [M_ID], keywords=["社保卡丢了", "挂失"], days=0, instant=True)
    item("social-insurance-enrolment", "个人参保登记", "Social insurance enrolment", o, "social_insurance",
         P(False) + household(full=False) + [
             fld("insurance_category", "参保类别", "Kind of insurance", "choice", options=[
                 ("employee", "职工社会保险", "Employee social insurance"),
                 ("resident", "城乡居民养老保险", "Urban and rural residents' pension")]),
             fld("enrolment_date", "参保日期", "Date of enrolment", "date"),
         ],
         [M_ID, M_HOUSEHOLD], keywords=["社保登记", "参保"], days=1)
    item("flexible-employment-insurance", "灵活就业人员参保登记", "Social insurance for the self-employed", o,
         "social_insurance",
         P(True) + household(full=False) + [
             fld("contribution_base", "缴费基数档次", "Contribution level", "choice", required=False, options=[
                 ("60", "60%", "60%"), ("100", "100%", "100%"), ("300", "300%", "300%")]),
         ] + bank(required=False),
         [M_ID, M_HOUSEHOLD], keywords=["灵活就业", "自由职业社保"], days=1, instant=True)
    item("unemployment-registration", "失业登记", "Unemployment registration", o, "employment",
         P(False) + [
             fld("last_employer", "原工作单位", "Last employer", max_length=100),
             fld("last_employer_uscc", "原单位统一社会信用代码", "Last employer's credit code", "uscc", required=False),
             fld("unemployed_since", "失业日期", "Unemployed since", "date", not_future=True),
             fld("job_wanted", "求职意向", "Job wanted", required=False, max_length=100),
         ],
         [M_ID, mat("termination-proof", "解除或终止劳动关系证明", "Proof of the end of employment", tolerance=15)],
         keywords=["失业"], days=1,
         result_=result("employment_registration_certificate", "就业失业登记证", "Employment and unemployment registration certificate"))
    item("unemployment-benefit", "失业保险金申领", "Unemployment insurance benefit", o, "employment",
         P(False) + [
             fld("last_employer", "原工作单位", "Last employer", max_length=100),
             fld("unemployed_since", "失业日期", "Unemployed since", "date", not_future=True),
             fld("contribution_months", "累计缴费月数", "Months of contributions", max_length=3),
         ] + bank(),
         [M_ID, M_SOCIAL, mat("termination-proof", "解除或终止劳动关系证明", "Proof of the end of employment",
                              tolerance=15)], keywords=["失业金", "失业保险"], days=10)
    item("employment-registration", "就业登记", "Employment registration", o, "employment",
         P(False) + [
             fld("employer", "用人单位", "Employer", max_length=100),
             fld("employer_uscc", "用人单位统一社会信用代码", "Employer's credit code", "uscc"),
             fld("employment_start", "就业日期", "Start of employment", "date"),
             fld("job_title", "岗位", "Position", max_length=50),
         ],
         [M_ID, mat("labour-contract", "劳动合同", "Employment contract", tolerance=10)], keywords=["就业"], days=1)
    item("retirement-application", "职工退休申请", "Retirement application", o, "retirement",
         P(False) + [
             fld("employer", "所在单位", "Employer", max_length=100),
             fld("work_start_date", "参加工作时间", "Start of working life", "date", not_future=True),
             fld("contribution_months", "累计缴费月数", "Months of contributions", max_length=3),
             fld("retirement_type", "退休类型", "Kind of retirement", "choice", options=[
                 ("normal", "正常退休", "Normal retirement age"), ("flexible_early", "弹性提前退休", "Flexible early retirement"),
                 ("flexible_late", "弹性延迟退休", "Flexible late retirement")]),
             fld("pension_start", "申请待遇领取时间", "Pension from", "date"),
         ] + bank(),
         [M_ID, M_SOCIAL, mat("personnel-file", "职工档案", "Personnel file", tolerance=20)],
         keywords=["退休", "养老金", "办退休"], days=15,
         result_=result("retirement_certificate", "退休证", "Retirement certificate"))
    item("pension-qualification-certification", "养老保险待遇领取资格认证", "Pension entitlement check", o,
         "retirement",
         P(True, postcode=False) + [fld("residence_overseas", "是否居住境外", "Living abroad", "choice", required=False,
                                         options=YES_NO)],
         [M_ID, M_SOCIAL], keywords=["生存认证", "养老金认证", "刷脸认证"], days=0, instant=True)
    item("insurance-record-print", "个人参保证明打印", "Social insurance record", o, "social_insurance",
         P(True, ethnicity=False, postcode=False) + [
             fld("period_from", "查询起始年月", "From (date)", "date", required=False, not_future=True),
             fld("period_to", "查询截止年月", "To (date)", "date", required=False, not_future=True),
             fld("certificate_use", "证明用途", "Purpose", required=False, max_length=100),
         ],
         [M_ID, opt(M_SOCIAL)], keywords=["社保证明", "参保凭证", "缴费记录"], days=0, instant=True,
         result_=result("social_insurance_record", "参保缴费证明", "Social insurance contribution record"))
    item("pension-transfer", "基本养老保险关系转移接续", "Transferring a pension account", o, "social_insurance",
         P(False) + [
             fld("origin_region", "转出地", "Transferred from", max_length=50),
             fld("origin_agency", "转出地社保经办机构", "Agency transferring out", max_length=100),
             fld("new_employer", "现工作单位", "Current employer", required=False, max_length=100),
         ],
         [M_ID, M_SOCIAL, mat("transfer-certificate", "参保缴费凭证", "Contribution certificate", tolerance=20)],
         keywords=["社保转移", "养老保险转移"], days=15)
    item("work-injury-determination", "工伤认定申请", "Work injury determination", o, "labour",
         P(False) + [
             fld("employer", "用人单位", "Employer", max_length=100),
             fld("employer_uscc", "用人单位统一社会信用代码", "Employer's credit code", "uscc"),
             fld("injury_date", "事故时间", "Date of the accident", "date", not_future=True),
             fld("injury_place", "事故地点", "Place of the accident", max_length=100),
             fld("injury_description", "事故经过", "What happened", max_length=2000),
             fld("diagnosis", "诊断结论", "Diagnosis", max_length=500),
         ],
         [M_ID, mat("labour-relation-proof", "劳动关系证明", "Proof of employment"),
          mat("medical-diagnosis", "医疗诊断证明", "Medical diagnosis", tolerance=15)],
         keywords=["工伤"], days=60)
    item("work-capacity-appraisal", "劳动能力鉴定申请", "Work capacity appraisal", o, "labour",
         P(False) + [
             fld("injury_decision_number", "工伤认定决定书编号", "Work injury decision number", max_length=30),
             fld("appraisal_type", "鉴定类型", "Kind of appraisal", "choice", options=[
                 ("initial", "初次鉴定", "First appraisal"), ("review", "复查鉴定", "Review")]),
         ],
         [M_ID, mat("injury-decision", "工伤认定决定书", "Work injury decision"),
          mat("medical-records", "病历资料", "Medical records", tolerance=15)], keywords=["伤残鉴定"], days=60)
    item("employment-hardship-recognition", "就业困难人员认定", "Recognition as a person with difficulty finding work",
         o, "employment",
         P(False) + [
             fld("hardship_category", "认定类别", "Category", "choice", options=[
                 ("older", "大龄失业人员", "Older unemployed"), ("disabled", "残疾人", "Person with a disability"),
                 ("long_term", "长期失业人员", "Long-term unemployed"), ("low_income", "低保家庭成员", "Low-income family")]),
             fld("unemployed_since", "失业日期", "Unemployed since", "date", not_future=True),
         ],
         [M_ID, M_HOUSEHOLD], keywords=["就业援助"], days=10)
    item("startup-guaranteed-loan", "创业担保贷款申请", "Guaranteed start-up loan", o, "entrepreneurship",
         P(False) + [
             fld("business_name", "创业实体名称", "Business name", max_length=100),
             fld("business_uscc", "创业实体统一社会信用代码", "Business's credit code", "uscc"),
             fld("loan_amount", "申请贷款金额（元）", "Loan amount (CNY)", max_length=10),
             fld("loan_term_months", "贷款期限（月）", "Term (months)", max_length=3),
             fld("lending_bank", "经办银行", "Lending bank", max_length=50),
         ],
         [M_ID, mat("business-plan", "创业计划书", "Business plan"), opt(M_BUSINESS)],
         keywords=["创业贷款", "贴息"], days=20)
    item("startup-subsidy", "一次性创业资助申领", "One-off start-up grant", o, "entrepreneurship",
         P(False) + [
             fld("business_name", "创业实体名称", "Business name", max_length=100),
             fld("business_uscc", "创业实体统一社会信用代码", "Business's credit code", "uscc"),
             fld("business_started", "创业实体成立日期", "Business founded", "date", not_future=True),
         ] + bank(),
         [M_ID, mat("lease-contract", "经营场所租赁合同", "Lease of the business premises", tolerance=10)],
         keywords=["创业补贴"], days=20)
    item("labour-arbitration", "劳动人事争议仲裁申请", "Labour dispute arbitration", o, "labour",
         P(False) + [
             fld("respondent", "被申请人（用人单位）", "Respondent (employer)", max_length=100),
             fld("respondent_uscc", "被申请人统一社会信用代码", "Respondent's credit code", "uscc"),
             fld("respondent_address", "被申请人地址", "Respondent's address", "address", max_length=120),
             fld("claims", "仲裁请求", "Claims", max_length=2000),
             fld("facts", "事实和理由", "Facts and grounds", max_length=5000),
         ],
         [M_ID, mat("evidence", "证据材料", "Evidence", tolerance=10)], keywords=["劳动仲裁", "欠薪"], days=5)
    item("graduate-job-subsidy", "高校毕业生求职创业补贴", "Job-seeking grant for graduates", o, "employment",
         P(False) + [
             fld("graduate_school", "就读院校", "University", max_length=100),
             fld("expected_graduation", "预计毕业时间", "Expected graduation", "date"),
             fld("student_number", "学号", "Student number", max_length=20),
         ] + bank(),
         [M_ID, mat("student-card", "学生证", "Student card")], keywords=["毕业生补贴"], days=20)
    item("skill-upgrade-subsidy", "技能提升补贴申领", "Skill upgrade subsidy", o, "employment",
         P(False) + [
             fld("certificate_number", "职业资格（技能等级）证书编号", "Skills certificate number", max_length=30),
             fld("certificate_date", "发证日期", "Date of the certificate", "date", not_future=True),
             fld("skill_level", "技能等级", "Skill level", "choice", options=[
                 ("5", "初级工", "Junior"), ("4", "中级工", "Intermediate"), ("3", "高级工", "Senior"),
                 ("2", "技师", "Technician"), ("1", "高级技师", "Senior technician")]),
         ] + bank(),
         [M_ID, M_SOCIAL, mat("skill-certificate", "职业技能等级证书", "Skills certificate")],
         keywords=["技能补贴"], days=20)
    item("enterprise-social-insurance-registration", "单位参保登记", "Employer social insurance registration", o,
         "business_start",
         enterprise(False) + agent(False) + [
             fld("bank_name", "缴费开户银行", "Bank for contributions", max_length=50),
             fld("bank_account", "缴费银行账号", "Account for contributions", max_length=30, min_length=12),
             fld("employee_count", "参保人数", "Number of employees", max_length=6),
         ],
         [M_BUSINESS, M_AGENT_ID], audience="enterprise", keywords=["单位社保开户"], days=1)
    item("enterprise-employee-enrolment", "单位职工参保增员", "Enrolling new employees", o, "employer_services",
         enterprise(True) + agent(True) + [
             fld("employee_name", "职工姓名", "Employee's name", required=False, max_length=50),
             fld("employee_id_number", "职工公民身份号码", "Employee's citizen ID number", "id_number", required=False),
             fld("employment_start", "用工起始日期", "Start of employment", "date", required=False),
             fld("monthly_wage", "月缴费工资（元）", "Monthly wage (CNY)", required=False, max_length=10),
         ],
         [M_BUSINESS, M_AGENT_ID], audience="enterprise", keywords=["增员", "社保增员"], days=0, instant=True,
         checks=["enterprise_active"])
    item("job-retention-refund", "失业保险稳岗返还", "Job-retention refund of unemployment insurance", o,
         "employer_services",
         enterprise(False) + agent(False) + [
             fld("employee_count", "上年末参保人数", "Insured employees at year end", max_length=6),
             fld("layoff_rate", "上年度裁员率（%）", "Last year's layoff rate (%)", max_length=5),
         ] + bank(),
         [M_BUSINESS, M_AGENT_ID], audience="enterprise", keywords=["稳岗补贴", "稳岗返还"], days=20)


# ---------------------------------------------------------------------------------------------
# 医保局: medical insurance.

def medical_security():
    o = "medical-security"
    item("medical-insurance-enrolment", "基本医疗保险参保登记", "Basic medical insurance enrolment", o,
         "medical_insurance",
         P(True) + household(full=False) + [
             fld("insurance_scheme", "参保险种", "Scheme", "choice", required=False, options=[
                 ("employee", "职工基本医疗保险", "Employees' basic medical insurance"),
                 ("resident", "城乡居民基本医疗保险", "Residents' basic medical insurance")]),
             fld("designated_hospital", "选定社康机构", "Chosen community health centre", required=False, max_length=100),
         ],
         [M_ID, M_HOUSEHOLD], keywords=["医保参保", "医保", "买医保"], days=1, instant=True)
    item("newborn-medical-insurance", "新生儿参加居民医保", "Newborn's residents' medical insurance", o,
         "medical_insurance",
         P(True, ethnicity=False) + child(full=False) + [
             fld("designated_hospital", "选定社康机构", "Chosen community health centre", required=False, max_length=100),
         ],
         [M_ID, M_BIRTH], keywords=["新生儿医保", "宝宝医保"], days=1, instant=True, checks=["applicant_is_parent"])
    item("maternity-allowance", "生育津贴申领", "Maternity allowance", o, "maternity",
         P(False) + child(full=False) + [
             fld("employer", "用人单位", "Employer", max_length=100),
             fld("employer_uscc", "用人单位统一社会信用代码", "Employer's credit code", "uscc"),
             fld("leave_start", "产假开始日期", "Start of maternity leave", "date"),
             fld("delivery_type", "分娩方式", "Delivery", "choice", options=[
                 ("natural", "顺产", "Natural birth"), ("caesarean", "剖宫产", "Caesarean section"),
                 ("multiple", "多胞胎", "Multiple birth")]),
         ] + bank(),
         [M_ID, M_BIRTH, opt(M_MARRIAGE)], keywords=["生育津贴", "产假工资"], days=15)
    item("maternity-medical-reimbursement", "生育医疗费用报销", "Reimbursement of maternity medical costs", o,
         "maternity",
         P(False) + [
             fld("hospital", "就诊医院", "Hospital", max_length=100),
             fld("admission_date", "入院日期", "Admission date", "date", not_future=True),
             fld("discharge_date", "出院日期", "Discharge date", "date", not_future=True),
             fld("total_cost", "医疗费用总额（元）", "Total cost (CNY)", max_length=12),
         ] + bank(),
         [M_ID, mat("invoices", "医疗费用票据", "Medical invoices"),
          mat("discharge-summary", "出院小结", "Discharge summary", tolerance=10)],
         keywords=["生育报销"], days=20)
    item("out-of-area-medical-filing", "异地就医备案", "Filing for medical treatment in another city", o,
         "medical_insurance",
         P(True, postcode=False) + [
             fld("filing_type", "备案类型", "Kind of filing", "choice", required=False, options=[
                 ("resident", "异地长期居住", "Living in another city"), ("work", "常驻异地工作", "Working in another city"),
                 ("referral", "转诊转院", "Referral"), ("temporary", "临时外出就医", "Temporary")]),
             fld("destination", "就医地", "City of treatment", required=False, max_length=50),
             fld("start_date", "备案开始日期", "From", "date", required=False),
         ],
         [M_ID, opt(M_SOCIAL)], keywords=["异地就医", "跨省就医", "医保备案"], days=0, instant=True)
    item("chronic-disease-recognition", "门诊慢特病待遇认定", "Recognition of chronic or special outpatient diseases",
         o, "medical_insurance",
         P(False) + [
             fld("disease", "病种", "Disease", "choice", options=[
                 ("hypertension", "高血压", "Hypertension"), ("diabetes", "糖尿病", "Diabetes"),
                 ("chronic_renal", "慢性肾功能衰竭", "Chronic renal failure"), ("cancer", "恶性肿瘤门诊治疗", "Cancer outpatient treatment"),
                 ("other", "其他", "Other")]),
             fld("hospital", "诊断医院", "Diagnosing hospital", max_length=100),
             fld("diagnosis_date", "确诊日期", "Date of diagnosis", "date", not_future=True),
         ],
         [M_ID, mat("diagnosis", "疾病诊断证明", "Diagnosis certificate"),
          mat("medical-records", "病历资料", "Medical records", tolerance=10)], keywords=["慢性病", "特病"], days=15)
    item("medical-insurance-transfer", "医保关系转移接续", "Transferring a medical insurance account", o,
         "medical_insurance",
         P(False) + [
             fld("origin_region", "转出地", "Transferred from", max_length=50),
             fld("transfer_reason", "转移原因", "Reason", max_length=100),
         ],
         [M_ID, mat("insurance-record", "参保凭证", "Proof of insurance", tolerance=15)],
         keywords=["医保转移"], days=15)
    item("manual-medical-reimbursement", "零星医疗费用报销", "Manual reimbursement of medical costs", o,
         "medical_insurance",
         P(False) + [
             fld("hospital", "就诊医院", "Hospital", max_length=100),
             fld("treatment_date", "就诊日期", "Date of treatment", "date", not_future=True),
             fld("total_cost", "费用总额（元）", "Total cost (CNY)", max_length=12),
             fld("reason_not_settled", "未直接结算原因", "Why it was not settled directly", max_length=200),
         ] + bank(),
         [M_ID, mat("invoices", "医疗费用票据", "Medical invoices"),
          mat("cost-list", "费用明细清单", "Itemised bill", tolerance=10)], keywords=["医保报销", "手工报销"], days=20)
    item("family-account-sharing", "职工医保个人账户家庭共济", "Sharing a medical account with the family", o,
         "medical_insurance",
         P(True, postcode=False) + [
             fld("relative_name", "共济人姓名", "Family member's name", required=False, max_length=50),
             fld("relative_id_number", "共济人公民身份号码", "Family member's citizen ID number", "id_number", required=False),
             fld("relative_relation", "与本人关系", "Relation", "choice", required=False, options=[
                 ("spouse", "配偶", "Spouse"), ("parent", "父母", "Parent"), ("child", "子女", "Child")]),
         ],
         [M_ID, opt(M_HOUSEHOLD)], keywords=["家庭共济", "医保个账"], days=0, instant=True)
    item("medical-insurance-certificate-print", "医保参保凭证打印", "Medical insurance certificate", o,
         "medical_insurance",
         P(True, ethnicity=False, address=False, postcode=False) + [
             fld("certificate_use", "用途", "Purpose", required=False, max_length=100)],
         [M_ID], keywords=["医保证明", "参保证明"], days=0, instant=True)
    item("enterprise-medical-insurance-registration", "单位医保登记", "Employer medical insurance registration", o,
         "business_start",
         enterprise(False) + agent(False) + [
             fld("employee_count", "参保人数", "Number of employees", max_length=6)],
         [M_BUSINESS, M_AGENT_ID], audience="enterprise", keywords=["单位医保"], days=1)


# ---------------------------------------------------------------------------------------------
# 卫健委: births, health professions, public health permits.

def health():
    o = "health"
    item("birth-medical-certificate", "出生医学证明首次签发", "Birth medical certificate (first issue)", o, "birth",
         P(False) + spouse() + [
             fld("newborn_name", "新生儿姓名", "Newborn's name", max_length=50),
             fld("newborn_sex", "新生儿性别", "Newborn's sex", "choice", options=SEX),
             fld("newborn_birth_date", "出生日期", "Date of birth", "date", not_future=True),
             fld("newborn_birth_time", "出生时间", "Time of birth", max_length=5, min_length=5),
             fld("delivery_hospital", "分娩医院", "Hospital of delivery", max_length=100),
         ],
         [M_ID, opt(M_MARRIAGE), mat("delivery-record", "分娩记录", "Delivery record")],
         keywords=["出生证", "出生证明"], days=5)
    item("birth-medical-certificate-reissue", "出生医学证明补发", "Birth medical certificate reissue", o, "birth",
         P(False) + child(full=False) + [
             fld("reissue_reason", "补发原因", "Reason", "choice", options=[
                 ("lost", "遗失", "Lost"), ("damaged", "损毁", "Damaged")]),
         ],
         [M_ID, mat("loss-statement", "遗失声明", "Statement of loss", tolerance=10)], keywords=["出生证补办"], days=20)
    item("birth-registration", "生育登记", "Birth registration (family planning service)", o, "birth",
         P(True, household_address=True) + spouse(required=False) + child() + [
             fld("child_order", "孩次", "Which child", "choice", required=False, options=[
                 ("1", "一孩", "First"), ("2", "二孩", "Second"), ("3", "三孩", "Third"), ("4", "四孩及以上", "Fourth or later")]),
             fld("service_centre", "选定服务机构", "Chosen service centre", required=False, max_length=100),
         ],
         [M_ID, M_BIRTH, opt(M_MARRIAGE), opt(M_HOUSEHOLD)], keywords=["生育登记", "生育服务证", "准生证"], days=1,
         instant=True, checks=["applicant_is_parent"],
         result_=result("birth_registration_certificate", "生育登记服务凭证", "Birth registration service certificate"))
    item("childcare-subsidy", "育儿补贴申领", "Childcare subsidy for children under three", o, "birth",
         P(False) + child(full=False) + bank(),
         [M_ID, M_BIRTH, opt(M_HOUSEHOLD)], keywords=["育儿补贴", "生育补贴", "三岁以下"], days=20, checks=[])
    item("vaccination-certificate", "预防接种证办理", "Vaccination certificate", o, "birth",
         P(False) + child(full=False) + [
             fld("vaccination_clinic", "接种门诊", "Vaccination clinic", max_length=100)],
         [M_ID, M_BIRTH], keywords=["疫苗本", "接种本"], days=1)
    item("premarital-check", "婚前医学检查预约", "Premarital medical check appointment", o, "marriage",
         P(False) + [
             fld("partner_name", "对方姓名", "Partner's name", max_length=50),
             fld("partner_id_number", "对方公民身份号码", "Partner's citizen ID number", "id_number"),
             fld("check_date", "预约日期", "Appointment date", "date", not_past=True),
             fld("check_institution", "检查机构", "Clinic", max_length=100),
         ],
         [M_ID], keywords=["婚检", "孕前检查"], days=1)
    item("family-planning-special-assistance", "计划生育家庭特别扶助金", "Special assistance for family-planning families",
         o, "family",
         P(False) + spouse(required=False, sourced=False) + [
             fld("assistance_reason", "扶助类别", "Category", "choice", options=[
                 ("lost_child", "独生子女死亡", "Only child died"), ("disabled_child", "独生子女伤残", "Only child disabled")]),
         ] + bank(),
         [M_ID, M_HOUSEHOLD, mat("proof", "独生子女证明及死亡或伤残证明", "Proof of the only child's death or disability")],
         keywords=["失独", "特扶"], days=30)
    item("only-child-parent-reward", "独生子女父母奖励", "Reward for parents of an only child", o, "family",
         P(False) + short_person("only_child", "独生子女", "Only child") + bank(),
         [M_ID, M_HOUSEHOLD, mat("only-child-certificate", "独生子女父母光荣证", "Only-child parents' certificate",
                                 tolerance=15)], keywords=["独生子女费"], days=20)
    item("physician-registration", "医师执业注册", "Physician practice registration", o, "health_professions",
         P(False) + [
             fld("qualification_number", "医师资格证书编码", "Qualification certificate number", max_length=30),
             fld("practice_category", "执业类别", "Category", "choice", options=[
                 ("clinical", "临床", "Clinical"), ("tcm", "中医", "Traditional Chinese medicine"),
                 ("dental", "口腔", "Dental"), ("public_health", "公共卫生", "Public health")]),
             fld("practice_scope", "执业范围", "Scope of practice", max_length=100),
             fld("institution", "主要执业机构", "Main institution", max_length=100),
         ] + photo(),
         [M_ID, mat("qualification", "医师资格证书", "Physician qualification certificate"),
          mat("health-certificate", "健康体检证明", "Health certificate", tolerance=10)],
         keywords=["医师注册"], days=20)
    item("nurse-registration", "护士执业注册", "Nurse practice registration", o, "health_professions",
         P(False) + [
             fld("qualification_number", "护士执业资格考试合格证明编号", "Exam certificate number", max_length=30),
             fld("institution", "拟执业机构", "Institution", max_length=100),
         ] + photo(),
         [M_ID, mat("exam-certificate", "护士执业资格考试成绩合格证明", "Nursing exam certificate"),
          mat("health-certificate", "健康体检证明", "Health certificate", tolerance=10)], keywords=["护士注册"], days=20)
    item("public-place-health-permit", "公共场所卫生许可", "Public place health permit", o, "permits",
         enterprise(False) + agent(False) + [
             fld("premises_address", "经营场所地址", "Premises address", "address", max_length=120),
             fld("premises_area", "营业面积（平方米）", "Floor area (m²)", max_length=8),
             fld("premises_type", "场所类别", "Kind of premises", "choice", options=[
                 ("hotel", "住宿场所", "Accommodation"), ("bath", "沐浴场所", "Baths"),
                 ("beauty", "美容美发场所", "Beauty and hairdressing"), ("swimming", "游泳场所", "Swimming pool")]),
             fld("staff_count", "从业人员人数", "Number of staff", max_length=5),
         ],
         [M_BUSINESS, M_AGENT_ID, mat("layout-plan", "经营场所平面图", "Floor plan"),
          mat("health-certificates", "从业人员健康合格证明", "Staff health certificates", tolerance=15)],
         audience="enterprise", keywords=["卫生许可证"], days=10,
         result_=result("public_place_health_permit", "公共场所卫生许可证", "Public place health permit"))
    item("medical-institution-registration", "医疗机构执业登记", "Medical institution practice registration", o,
         "permits",
         enterprise(False) + agent(False) + [
             fld("institution_name", "医疗机构名称", "Institution name", max_length=100),
             fld("institution_type", "医疗机构类别", "Kind of institution", "choice", options=[
                 ("clinic", "诊所", "Clinic"), ("outpatient", "门诊部", "Outpatient department"),
                 ("hospital", "医院", "Hospital")]),
             fld("beds", "床位数", "Beds", max_length=5),
             fld("departments", "诊疗科目", "Departments", max_length=500),
         ],
         [M_BUSINESS, M_AGENT_ID, mat("premises-proof", "场所使用证明", "Proof of premises"),
          mat("staff-list", "医务人员名单及资格证书", "Medical staff and qualifications")],
         audience="enterprise", keywords=["诊所开办"], days=30)
    item("nursery-filing", "托育机构备案", "Childcare institution filing", o, "permits",
         enterprise(False) + agent(False) + [
             fld("nursery_name", "托育机构名称", "Nursery name", max_length=100),
             fld("places", "托位数", "Places", max_length=4),
             fld("age_range", "收托年龄段", "Ages", max_length=20),
         ],
         [M_BUSINESS, M_AGENT_ID, mat("fire-safety", "消防安全检查合格证明", "Fire safety certificate", tolerance=30)],
         audience="enterprise", keywords=["托育", "托儿所"], days=15)


# ---------------------------------------------------------------------------------------------
# 住建局: rental, housing security, construction.

def housing():
    o = "housing"
    item("rental-registration", "房屋租赁登记备案", "Housing rental registration", o, "housing",
         person("landlord", "出租人", "Landlord", True) + property_(instant=True) + [
             fld("monthly_rent", "月租金（元）", "Monthly rent (CNY)", required=False, max_length=10),
             fld("lease_start", "租赁起始日期", "Lease start", "date", required=False),
             fld("lease_end", "租赁截止日期", "Lease end", "date", required=False),
             fld("rental_use", "租赁用途", "Use of the rented property", "choice", required=False, options=[
                 ("residential", "居住", "Residential"), ("office", "办公", "Office"), ("commercial", "商业", "Commercial")]),
             fld("rental_area", "租赁面积（平方米）", "Rented floor area (m²)", required=False, max_length=8),
             fld("tenant_count", "承租人数", "Number of tenants", required=False, max_length=3),
         ],
         [M_ID, M_PROPERTY, opt(mat("lease-contract", "房屋租赁合同", "Lease contract")),
          opt(mat("tenant-id-card", "承租人身份证明", "Tenant's proof of identity"))],
         keywords=["租房", "出租", "租赁备案", "租房合同"], days=3, instant=True,
         checks=["property_owned_by_applicant", "co_landlords_are_owners"],
         co_signing={"roles": ["co_landlord", "tenant"], "deadline_days": 7},
         result_=result("rental_registration_certificate", "房屋租赁登记备案证明", "Rental registration certificate"),
         code=f"{REGION}-ZJ-0012")
    item("rental-registration-cancellation", "房屋租赁登记备案注销", "Cancelling a rental registration", o, "housing",
         person("landlord", "出租人", "Landlord", False) + property_(full=False) + [
             fld("registration_number", "租赁备案编号", "Rental registration number", max_length=30),
             fld("cancellation_reason", "注销原因", "Reason", "choice", options=[
                 ("ended", "合同到期", "Lease ended"), ("terminated", "提前解约", "Terminated early")]),
         ],
         [M_ID, M_PROPERTY], keywords=["退租"], days=3)
    item("public-rental-housing", "公共租赁住房申请", "Public rental housing application", o, "housing_security",
         P(False) + household(full=False) + [
             fld("family_size", "申请家庭人数", "Family members", max_length=2),
             fld("annual_income", "家庭年收入（元）", "Annual household income (CNY)", max_length=12),
             fld("current_housing", "现住房情况", "Current housing", "choice", options=[
                 ("none", "无自有住房", "No home of their own"), ("rented", "租住", "Renting"),
                 ("employer", "单位宿舍", "Employer's housing")]),
             fld("employer", "工作单位", "Employer", max_length=100),
         ] + spouse(required=False, sourced=False),
         [M_ID, M_HOUSEHOLD, opt(M_MARRIAGE), mat("income-proof", "收入证明", "Proof of income", tolerance=15)],
         keywords=["公租房", "保障房"], days=30)
    item("affordable-housing-waiting-list", "保障性住房轮候登记", "Affordable housing waiting list", o,
         "housing_security",
         P(False) + household(full=False) + [
             fld("housing_kind", "申请住房类别", "Kind of housing", "choice", options=[
                 ("public_rental", "公共租赁住房", "Public rental housing"),
                 ("affordable_rental", "保障性租赁住房", "Affordable rental housing"),
                 ("shared_ownership", "共有产权住房", "Shared-ownership housing")]),
             fld("social_insurance_years", "本市社保累计缴纳年限", "Years of local social insurance", max_length=2),
         ],
         [M_ID, M_HOUSEHOLD], keywords=["安居房", "轮候"], days=20)
    item("rental-subsidy", "住房租赁补贴申请", "Housing rental subsidy", o, "housing_security",
         P(False) + [
             fld("rented_address", "承租房屋地址", "Address of the rented home", "address", max_length=120),
             fld("rental_registration_number", "租赁备案编号", "Rental registration number", max_length=30),
             fld("monthly_rent", "月租金（元）", "Monthly rent (CNY)", max_length=10),
         ] + bank(),
         [M_ID, mat("rental-certificate", "房屋租赁登记备案证明", "Rental registration certificate",
                    vct("rental_registration_certificate"))],
         keywords=["租房补贴", "人才补贴"], days=20)
    item("presale-permit", "商品房预售许可", "Pre-sale permit for commercial housing", o, "construction",
         enterprise(False, scope=True) + agent(False) + [
             fld("project_name", "项目名称", "Project", max_length=100),
             fld("project_address", "项目坐落", "Project address", "address", max_length=120),
             fld("presale_area", "预售面积（平方米）", "Pre-sale floor area (m²)", max_length=12),
             fld("presale_units", "预售套数", "Units", max_length=6),
             fld("construction_permit_number", "施工许可证编号", "Construction permit number", max_length=30),
             fld("supervision_bank", "预售资金监管银行", "Escrow bank", max_length=50),
             fld("supervision_account", "预售资金监管账号", "Escrow account", max_length=30, min_length=12),
         ],
         [M_BUSINESS, M_AGENT_ID, mat("land-certificate", "土地使用权证明", "Land use right certificate"),
          mat("planning-permit", "建设工程规划许可证", "Planning permit"),
          mat("progress-proof", "工程形象进度证明", "Proof of construction progress", tolerance=5)],
         audience="enterprise", keywords=["预售证"], days=10,
         result_=result("presale_permit", "商品房预售许可证", "Commercial housing pre-sale permit"))
    item("construction-permit", "建筑工程施工许可", "Construction permit", o, "construction",
         enterprise(False) + agent(False) + [
             fld("project_name", "工程名称", "Project", max_length=100),
             fld("project_address", "建设地址", "Site", "address", max_length=120),
             fld("contract_price", "合同价格（万元）", "Contract price (CNY 10,000)", max_length=12),
             fld("floor_area", "建筑面积（平方米）", "Floor area (m²)", max_length=12),
             fld("contractor", "施工单位", "Contractor", max_length=100),
             fld("contractor_uscc", "施工单位统一社会信用代码", "Contractor's credit code", "uscc"),
             fld("supervisor", "监理单位", "Supervising engineer", max_length=100),
             fld("planned_start", "计划开工日期", "Planned start", "date", not_past=True),
             fld("planned_end", "计划竣工日期", "Planned completion", "date", not_past=True),
         ],
         [M_BUSINESS, M_AGENT_ID, mat("planning-permit", "建设工程规划许可证", "Planning permit"),
          mat("construction-contract", "施工合同", "Construction contract"),
          mat("safety-measures", "安全施工措施资料", "Safety plan", tolerance=10)],
         audience="enterprise", keywords=["施工许可证"], days=5,
         result_=result("construction_permit", "建筑工程施工许可证", "Construction permit"))
    item("house-safety-appraisal", "房屋安全鉴定申请", "Building safety appraisal", o, "housing",
         P(False) + property_(full=False) + [
             fld("problem", "房屋安全问题描述", "Description of the problem", max_length=1000)],
         [M_ID, M_PROPERTY], keywords=["危房鉴定", "房屋裂缝"], days=15)
    item("new-home-contract-filing", "新建商品房买卖合同网签备案", "Filing of a new-home purchase contract", o,
         "home_purchase",
         P(False) + [
             fld("project_name", "项目名称", "Project", max_length=100),
             fld("unit", "房号", "Unit", max_length=30),
             fld("total_price", "总价（元）", "Total price (CNY)", max_length=12),
             fld("payment_method", "付款方式", "Payment", "choice", options=[
                 ("full", "一次性付款", "In full"), ("mortgage", "按揭贷款", "Mortgage"),
                 ("hpf", "公积金贷款", "Provident fund loan")]),
             fld("developer", "开发企业", "Developer", max_length=100),
             fld("developer_uscc", "开发企业统一社会信用代码", "Developer's credit code", "uscc"),
         ] + spouse(required=False, sourced=False),
         [M_ID, M_HOUSEHOLD, opt(M_MARRIAGE), mat("purchase-contract", "商品房买卖合同", "Purchase contract")],
         keywords=["网签", "买新房"], days=3)
    item("resale-contract-filing", "存量房买卖合同网签", "Filing of a resale home purchase contract", o,
         "home_purchase",
         person("seller", "出卖人", "Seller", False) + property_(full=False) + short_person("buyer", "买受人", "Buyer") + [
             fld("total_price", "成交价格（元）", "Price (CNY)", max_length=12),
             fld("payment_method", "付款方式", "Payment", "choice", options=[
                 ("full", "一次性付款", "In full"), ("mortgage", "按揭贷款", "Mortgage"),
                 ("hpf", "公积金贷款", "Provident fund loan")]),
         ],
         [M_ID, M_PROPERTY, mat("purchase-contract", "存量房买卖合同", "Purchase contract")],
         keywords=["二手房网签", "卖房"], days=3, co_signing={"roles": ["buyer", "co_owner"], "deadline_days": 10})
    item("renovation-filing", "住宅室内装饰装修备案", "Home renovation filing", o, "housing",
         P(True) + property_(full=False, instant=True) + [
             fld("renovation_company", "装修企业", "Renovation company", required=False, max_length=100),
             fld("renovation_start", "计划开工日期", "Planned start", "date", required=False, not_past=True),
             fld("renovation_end", "计划完工日期", "Planned completion", "date", required=False, not_past=True),
             fld("structural_change", "是否涉及结构变动", "Structural changes", "choice", required=False, options=YES_NO),
         ],
         [M_ID, M_PROPERTY], keywords=["装修备案", "装修"], days=1, instant=True,
         checks=["property_owned_by_applicant"])


# ---------------------------------------------------------------------------------------------
# 不动产登记中心: real-estate registration.

def real_estate_registration():
    o = "real-estate-registration"
    item("property-certificate-print", "不动产权属证明打印", "Real-estate ownership certificate", o, "real_estate",
         P(True, postcode=False) + property_(instant=True) + [
             fld("certificate_use", "证明用途", "Purpose of the certificate", required=False, max_length=100)],
         [M_ID, M_PROPERTY], keywords=["房产证明", "不动产证明", "有房证明", "不动产登记资料查询"], days=0, instant=True,
         checks=["property_owned_by_applicant"])
    item("no-property-certificate", "无房证明（不动产登记资料查询结果）", "Certificate of owning no real estate", o,
         "real_estate",
         P(False, postcode=False) + [fld("certificate_use", "证明用途", "Purpose of the certificate", max_length=100)],
         [M_ID], keywords=["无房证明"], days=1)
    item("property-transfer-registration", "不动产转移登记（存量房买卖）", "Real-estate transfer registration (resale)",
         o, "home_purchase",
         person("seller", "转让方", "Seller", False) + property_() + short_person("buyer", "受让方", "Buyer") + [
             fld("contract_number", "网签合同编号", "Contract filing number", max_length=30),
             fld("price", "成交价格（元）", "Price (CNY)", max_length=12),
             fld("tax_paid", "已完税", "Taxes paid", "choice", options=YES_NO),
         ],
         [M_ID, M_PROPERTY, mat("purchase-contract", "存量房买卖合同", "Purchase contract"),
          mat("tax-certificate", "完税凭证", "Tax payment certificate", tolerance=5)],
         keywords=["过户", "二手房过户"], days=5, fee_=fee(8000, "登记费80元（住宅）", "Registration fee CNY 80 (residential)"),
         co_signing={"roles": ["buyer", "co_owner"], "deadline_days": 10})
    item("new-home-first-registration", "新建商品房首次转移登记", "Title registration of a new home", o, "home_purchase",
         P(False) + [
             fld("project_name", "项目名称", "Project", max_length=100),
             fld("unit", "房号", "Unit", max_length=30),
             fld("contract_number", "网签合同编号", "Contract filing number", max_length=30),
         ] + spouse(required=False, sourced=False),
         [M_ID, opt(M_MARRIAGE), mat("purchase-contract", "商品房买卖合同", "Purchase contract"),
          mat("invoice", "购房发票", "Purchase invoice", tolerance=10),
          mat("deed-tax", "契税完税凭证", "Deed tax certificate", tolerance=10)],
         keywords=["办房产证", "新房办证"], days=5, fee_=fee(8000, "登记费80元（住宅）", "Registration fee CNY 80 (residential)"))
    item("mortgage-registration", "不动产抵押权首次登记", "Mortgage registration", o, "real_estate",
         P(False) + property_(full=False) + [
             fld("mortgagee", "抵押权人", "Mortgagee", max_length=100),
             fld("mortgagee_uscc", "抵押权人统一社会信用代码", "Mortgagee's credit code", "uscc"),
             fld("secured_amount", "被担保主债权数额（元）", "Secured amount (CNY)", max_length=15),
             fld("debt_start", "债务履行期限起", "Debt term from", "date"),
             fld("debt_end", "债务履行期限止", "Debt term to", "date"),
         ],
         [M_ID, M_PROPERTY, mat("mortgage-contract", "抵押合同", "Mortgage contract"),
          mat("loan-contract", "主债权合同", "Loan contract")], keywords=["房贷抵押", "抵押登记"], days=3,
         fee_=fee(8000, "登记费80元（住宅）", "Registration fee CNY 80 (residential)"))
    item("mortgage-cancellation", "不动产抵押权注销登记", "Mortgage cancellation", o, "real_estate",
         P(False) + property_(full=False) + [
             fld("mortgage_certificate_number", "不动产登记证明号", "Mortgage registration number", max_length=40)],
         [M_ID, M_PROPERTY, mat("release-letter", "抵押权人同意注销证明", "Mortgagee's release letter")],
         keywords=["解押", "房贷还清"], days=1)
    item("property-certificate-reissue", "不动产权证书补发", "Real-estate certificate reissue", o, "real_estate",
         P(False) + property_(full=False) + [
             fld("reissue_reason", "补发原因", "Reason", "choice", options=[
                 ("lost", "遗失", "Lost"), ("damaged", "灭失", "Destroyed")])],
         [M_ID, opt(M_PROPERTY), mat("loss-statement", "遗失声明", "Statement of loss")], keywords=["房产证丢了"], days=10)
    item("property-correction", "不动产更正登记", "Correction of a real-estate registration", o, "real_estate",
         P(False) + property_(full=False) + [
             fld("correction_item", "更正事项", "What is wrong", max_length=200),
             fld("correct_value", "更正后内容", "Correct content", max_length=200)],
         [M_ID, M_PROPERTY, mat("proof", "证明登记错误的材料", "Proof of the error")], keywords=["更正"], days=10)
    item("inheritance-registration", "继承、受遗赠不动产转移登记", "Registration of inherited real estate", o,
         "after_death",
         P(False) + short_person("deceased", "被继承人", "Deceased") + [
             fld("property_address", "房屋坐落", "Property address", "address", max_length=120),
             fld("inheritance_proof_type", "继承权证明方式", "Proof of inheritance", "choice", options=[
                 ("notarial", "公证书", "Notarial certificate"), ("judgment", "生效法律文书", "Court decision"),
                 ("statement", "继承人共同声明", "Joint declaration of heirs")]),
         ],
         [M_ID, mat("death-proof", "被继承人死亡证明", "Proof of death"),
          mat("kinship-proof", "亲属关系证明", "Proof of kinship", tolerance=15),
          mat("property-certificate-deceased", "被继承人不动产权证书", "Deceased's real-estate certificate")],
         keywords=["继承房产", "遗产"], days=10)
    item("property-change-registration", "不动产变更登记（权利人姓名等）", "Real-estate change registration", o,
         "real_estate",
         P(False) + property_(full=False) + [
             fld("change_item", "变更事项", "What changes", "choice", options=[
                 ("name", "权利人姓名", "Owner's name"), ("id_number", "身份证明号码", "ID number"),
                 ("address", "坐落名称", "Address name")]),
             fld("new_value", "变更后内容", "New content", max_length=200)],
         [M_ID, M_PROPERTY, mat("change-proof", "变更证明材料", "Proof of the change")], keywords=["变更登记"], days=5)
    item("advance-notice-registration", "预购商品房预告登记", "Advance notice registration of a home purchase", o,
         "home_purchase",
         P(False) + [
             fld("project_name", "项目名称", "Project", max_length=100),
             fld("unit", "房号", "Unit", max_length=30),
             fld("contract_number", "网签合同编号", "Contract filing number", max_length=30)],
         [M_ID, mat("purchase-contract", "商品房买卖合同", "Purchase contract")], keywords=["预告登记", "期房"], days=3)


# ---------------------------------------------------------------------------------------------
# 住房公积金管理中心.

def provident_fund():
    o = "housing-provident-fund"
    item("hpf-account-opening", "住房公积金个人账户设立", "Opening a housing provident fund account", o,
         "provident_fund",
         P(True, postcode=False) + [
             fld("employer", "缴存单位", "Employer", required=False, max_length=100),
             fld("deposit_base", "缴存基数（元）", "Contribution base (CNY)", required=False, max_length=10)],
         [M_ID], keywords=["公积金开户"], days=1, instant=True)
    item("hpf-withdrawal-rent", "提取住房公积金（租房）", "Provident fund withdrawal for rent", o, "provident_fund",
         P(True, postcode=False) + bank(required=False) + [
             fld("rented_address", "租住房屋地址", "Address of the rented home", "address", required=False, max_length=120)],
         [M_ID, opt(mat("rental-certificate", "房屋租赁登记备案证明", "Rental registration certificate",
                        vct("rental_registration_certificate")))],
         keywords=["租房提取", "公积金提取", "提公积金"], days=1, instant=True)
    item("hpf-withdrawal-purchase", "提取住房公积金（购房）", "Provident fund withdrawal for a home purchase", o,
         "home_purchase",
         P(False) + property_(full=False) + [
             fld("purchase_price", "购房总价（元）", "Purchase price (CNY)", max_length=12),
             fld("amount", "提取金额（元）", "Amount (CNY)", max_length=12),
         ] + bank() + spouse(required=False, sourced=False),
         [M_ID, M_PROPERTY, mat("purchase-contract", "购房合同", "Purchase contract"),
          mat("invoice", "购房发票", "Purchase invoice", tolerance=10)], keywords=["购房提取"], days=3)
    item("hpf-withdrawal-retirement", "提取住房公积金（退休）", "Provident fund withdrawal on retirement", o,
         "retirement",
         P(False) + bank() + [fld("retirement_date", "退休日期", "Retirement date", "date", not_future=True)],
         [M_ID, mat("retirement-proof", "退休证明", "Proof of retirement", vct("retirement_certificate"))],
         keywords=["退休提取", "销户提取"], days=3)
    item("hpf-loan", "住房公积金贷款", "Housing provident fund loan", o, "home_purchase",
         P(False) + spouse(required=False, sourced=False) + [
             fld("property_address", "所购房屋坐落", "Address of the home", "address", max_length=120),
             fld("purchase_price", "购房总价（元）", "Purchase price (CNY)", max_length=12),
             fld("loan_amount", "申请贷款金额（元）", "Loan amount (CNY)", max_length=12),
             fld("loan_term_years", "贷款年限", "Term (years)", max_length=2),
             fld("repayment_method", "还款方式", "Repayment", "choice", options=[
                 ("equal_instalments", "等额本息", "Equal instalments"), ("equal_principal", "等额本金", "Equal principal")]),
             fld("monthly_income", "月收入（元）", "Monthly income (CNY)", max_length=10),
             fld("employer", "工作单位", "Employer", max_length=100),
         ] + bank(),
         [M_ID, M_HOUSEHOLD, opt(M_MARRIAGE), mat("purchase-contract", "购房合同", "Purchase contract"),
          mat("income-proof", "收入证明", "Proof of income", tolerance=10)], keywords=["公积金贷款", "买房贷款"], days=15)
    item("hpf-deposit-certificate", "住房公积金缴存证明", "Provident fund contribution certificate", o,
         "provident_fund",
         P(True, ethnicity=False, address=False, postcode=False) + [
             fld("certificate_use", "证明用途", "Purpose", required=False, max_length=100)],
         [M_ID], keywords=["公积金证明", "缴存证明"], days=0, instant=True)
    item("enterprise-hpf-registration", "单位住房公积金缴存登记", "Employer provident fund registration", o,
         "business_start",
         enterprise(False) + agent(False) + [
             fld("deposit_rate", "缴存比例（%）", "Contribution rate (%)", "choice", options=[
                 (str(r), f"{r}%", f"{r}%") for r in (5, 6, 7, 8, 9, 10, 11, 12)]),
             fld("employee_count", "缴存人数", "Number of employees", max_length=6),
         ],
         [M_BUSINESS, M_AGENT_ID], audience="enterprise", keywords=["公积金开户", "单位公积金"], days=1)


# ---------------------------------------------------------------------------------------------
# 市场监督管理局: enterprises and permits.

def market_regulation():
    o = "market-regulation"
    shareholders = []
    for n in (1, 2, 3):
        shareholders += [
            fld(f"shareholder_{n}_name", f"股东{n}名称（姓名）", f"Shareholder {n}: name", required=(n == 1), max_length=100),
            fld(f"shareholder_{n}_id", f"股东{n}证件号码", f"Shareholder {n}: ID number", "id_number", required=(n == 1)),
            fld(f"shareholder_{n}_contribution", f"股东{n}认缴出资额（万元）", f"Shareholder {n}: subscribed capital (CNY 10,000)",
                required=(n == 1), max_length=12),
            fld(f"shareholder_{n}_method", f"股东{n}出资方式", f"Shareholder {n}: form of contribution", "choice",
                required=(n == 1), options=[("cash", "货币", "Cash"), ("in_kind", "实物", "In kind"),
                                             ("ip", "知识产权", "Intellectual property")]),
        ]
    item("enterprise-establishment", "企业开办（设立登记）", "Opening a business (company registration)", o,
         "business_start",
         enterprise(False, rep=True) + agent(False) + [
             fld("new_company_name", "拟设立企业名称", "Proposed company name", max_length=100),
             fld("new_company_type", "企业类型", "Company type", "choice", options=[
                 ("llc", "有限责任公司", "Limited liability company"),
                 ("sole_llc", "一人有限责任公司", "Single-shareholder limited company"),
                 ("partnership", "合伙企业", "Partnership")]),
             fld("new_company_address", "住所", "Registered address", "address", max_length=120),
             fld("registered_capital", "注册资本（万元）", "Registered capital (CNY 10,000)", max_length=12),
             fld("new_business_scope", "经营范围", "Business scope", max_length=2000),
             fld("operating_term", "营业期限", "Term", "choice", options=[
                 ("unlimited", "长期", "Unlimited"), ("fixed", "固定期限", "Fixed term")]),
             fld("new_legal_representative", "法定代表人姓名", "Legal representative", max_length=50),
             fld("new_legal_representative_id", "法定代表人公民身份号码", "Legal representative's ID number", "id_number"),
             fld("new_legal_representative_mobile", "法定代表人手机号码", "Legal representative's mobile", "phone", fmt="mobile"),
             fld("supervisor_name", "监事姓名", "Supervisor", max_length=50),
             fld("supervisor_id", "监事公民身份号码", "Supervisor's ID number", "id_number"),
             fld("financial_officer", "财务负责人姓名", "Financial officer", max_length=50),
             fld("financial_officer_mobile", "财务负责人手机号码", "Financial officer's mobile", "phone", fmt="mobile"),
         ] + shareholders + [
             fld("seal_needed", "同步申领印章", "Seals at the same time", "choice", required=False, options=YES_NO),
             fld("invoice_needed", "同步申领发票", "Invoices at the same time", "choice", required=False, options=YES_NO),
             fld("social_insurance_needed", "同步办理社保登记", "Social insurance registration at the same time", "choice",
                 required=False, options=YES_NO),
         ],
         [M_BUSINESS, M_AGENT_ID, mat("articles", "公司章程", "Articles of association"),
          mat("premises-proof", "住所（经营场所）使用证明", "Proof of the premises", tolerance=10),
          opt(mat("power-of-attorney", "授权委托书", "Power of attorney"))],
         audience="enterprise", keywords=["开公司", "注册公司", "设立登记", "一网通办"], days=1)
    item("business-licence-change", "营业执照变更登记", "Change of business registration", o, "business_change",
         enterprise(True, scope=True) + agent(True) + [
             fld("change_type", "变更事项", "What changes", "choice", required=False, options=[
                 ("name", "名称", "Name"), ("address", "住所", "Address"), ("scope", "经营范围", "Business scope"),
                 ("representative", "法定代表人", "Legal representative"), ("capital", "注册资本", "Registered capital")]),
             fld("new_value", "变更后内容", "New content", required=False, max_length=2000),
             fld("resolution_date", "股东会决议日期", "Date of the shareholders' resolution", "date", required=False,
                 not_future=True),
         ] + delivery(),
         [M_BUSINESS, M_AGENT_ID, opt(mat("resolution", "股东会决议", "Shareholders' resolution")),
          opt(mat("articles-amendment", "章程修正案", "Amendment of the articles"))],
         audience="enterprise", keywords=["变更登记", "换照", "改名称", "迁址"], days=1, instant=True,
         checks=["enterprise_active"],
         result_=result("registration_change_notice", "准予变更登记通知书", "Notice of approved registration change"))
    item("business-licence-replacement", "营业执照补领、换发", "Business licence replacement", o, "business_change",
         enterprise(True) + agent(True) + [
             fld("replacement_reason", "补换原因", "Reason", "choice", required=False, options=[
                 ("lost", "遗失", "Lost"), ("damaged", "损坏", "Damaged"), ("copies", "增加副本", "Additional copies")]),
         ] + delivery(),
         [M_BUSINESS, M_AGENT_ID], audience="enterprise", keywords=["执照丢了", "补执照"], days=1, instant=True,
         checks=["enterprise_active"])
    item("enterprise-deregistration", "企业注销登记", "Company deregistration", o, "business_closure",
         enterprise(False, scope=True) + agent(False) + [
             fld("deregistration_type", "注销方式", "Procedure", "choice", options=[
                 ("simplified", "简易注销", "Simplified"), ("ordinary", "一般注销", "Ordinary")]),
             fld("liquidation_completed", "清算完成日期", "Liquidation completed", "date", not_future=True),
             fld("deregistration_reason", "注销原因", "Reason", max_length=200),
         ],
         [M_BUSINESS, M_AGENT_ID, mat("liquidation-report", "清算报告", "Liquidation report"),
          mat("tax-clearance", "清税证明", "Tax clearance certificate", tolerance=20)],
         audience="enterprise", keywords=["公司注销", "关公司"], days=3)
    item("individual-business-registration", "个体工商户设立登记", "Registering an individual business", o,
         "business_start",
         P(False) + [
             fld("business_name", "个体工商户名称", "Business name", max_length=100),
             fld("business_address", "经营场所", "Premises", "address", max_length=120),
             fld("business_scope", "经营范围", "Business scope", max_length=1000),
             fld("capital", "资金数额（万元）", "Capital (CNY 10,000)", max_length=10),
             fld("composition", "组成形式", "Form", "choice", options=[
                 ("individual", "个人经营", "Run by one person"), ("family", "家庭经营", "Family business")]),
             fld("staff_count", "从业人数", "Staff", max_length=4),
         ],
         [M_ID, mat("premises-proof", "经营场所使用证明", "Proof of the premises", tolerance=10)],
         keywords=["个体户", "开店", "小店"], days=1)
    item("individual-business-change", "个体工商户变更登记", "Change of an individual business's registration", o,
         "business_change",
         enterprise(True) + agent(True) + [
             fld("change_type", "变更事项", "What changes", "choice", required=False, options=[
                 ("name", "名称", "Name"), ("premises", "经营场所", "Premises"), ("scope", "经营范围", "Business scope"),
                 ("operator", "经营者", "Operator")]),
             fld("new_value", "变更后内容", "New content", required=False, max_length=1000),
         ],
         [M_BUSINESS, M_AGENT_ID], audience="enterprise", keywords=["个体户变更"], days=1, instant=True,
         checks=["enterprise_active"])
    item("food-business-licence", "食品经营许可", "Food business licence", o, "permits",
         enterprise(False, scope=True) + agent(False) + [
             fld("premises_address", "经营场所", "Premises", "address", max_length=120),
             fld("business_form", "经营主体业态", "Kind of business", "choice", options=[
                 ("restaurant", "餐饮服务经营者", "Restaurant"), ("shop", "食品销售经营者", "Food shop"),
                 ("canteen", "单位食堂", "Canteen")]),
             fld("food_items", "经营项目", "Food items", max_length=500),
             fld("premises_area", "经营面积（平方米）", "Floor area (m²)", max_length=8),
             fld("food_safety_officer", "食品安全管理人员", "Food safety manager", max_length=50),
             fld("food_safety_officer_id", "食品安全管理人员身份证号", "Food safety manager's ID number", "id_number"),
         ],
         [M_BUSINESS, M_AGENT_ID, mat("layout-plan", "经营场所平面布局图", "Floor plan"),
          mat("food-safety-rules", "食品安全管理制度", "Food safety rules", tolerance=10)],
         audience="enterprise", keywords=["食品经营许可证", "餐饮许可", "开餐馆"], days=10,
         result_=result("food_business_licence", "食品经营许可证", "Food business licence"))
    item("food-licence-change", "食品经营许可变更", "Change of a food business licence", o, "permits",
         enterprise(False) + agent(False) + [
             fld("food_licence_number", "食品经营许可证编号", "Food business licence number", max_length=20, min_length=14),
             fld("change_item", "变更事项", "What changes", max_length=200),
             fld("new_value", "变更后内容", "New content", max_length=500),
         ],
         [M_BUSINESS, M_AGENT_ID, mat("food-licence", "食品经营许可证", "Food business licence",
                                      vct("food_business_licence"))],
         audience="enterprise", keywords=["许可证变更"], days=5)
    item("drug-business-licence", "药品零售经营许可", "Retail pharmacy licence", o, "permits",
         enterprise(False) + agent(False) + [
             fld("premises_address", "经营场所", "Premises", "address", max_length=120),
             fld("warehouse_address", "仓库地址", "Warehouse", "address", required=False, max_length=120),
             fld("pharmacist_name", "执业药师姓名", "Licensed pharmacist", max_length=50),
             fld("pharmacist_certificate", "执业药师注册证编号", "Pharmacist registration number", max_length=30),
             fld("business_scope_drugs", "经营范围", "Scope", max_length=500),
         ],
         [M_BUSINESS, M_AGENT_ID, mat("pharmacist-certificate", "执业药师注册证", "Pharmacist registration"),
          mat("quality-rules", "质量管理文件", "Quality management documents", tolerance=10)],
         audience="enterprise", keywords=["药店", "药品经营许可证"], days=15)
    item("annual-report", "企业年度报告公示", "Enterprise annual report", o, "business_change",
         enterprise(True) + agent(True) + [
             fld("report_year", "报告年度", "Year", "choice", required=False,
                 options=[("2025", "2025年度", "2025")]),
             fld("employee_count", "从业人数", "Employees", required=False, max_length=6),
             fld("total_assets", "资产总额（万元）", "Total assets (CNY 10,000)", required=False, max_length=12),
             fld("revenue", "营业总收入（万元）", "Revenue (CNY 10,000)", required=False, max_length=12),
             fld("website", "网站或网店网址", "Website", required=False, max_length=200),
         ],
         [M_BUSINESS, M_AGENT_ID], audience="enterprise", keywords=["年报", "工商年报"], days=0, instant=True,
         checks=["enterprise_active"])
    item("special-equipment-registration", "特种设备使用登记", "Registration of special equipment in use", o,
         "permits",
         enterprise(False) + agent(False) + [
             fld("equipment_type", "设备类别", "Kind of equipment", "choice", options=[
                 ("lift", "电梯", "Lift"), ("boiler", "锅炉", "Boiler"), ("pressure_vessel", "压力容器", "Pressure vessel"),
                 ("crane", "起重机械", "Crane")]),
             fld("equipment_code", "设备代码", "Equipment code", max_length=20),
             fld("installation_address", "设备使用地点", "Where it is used", "address", max_length=120),
         ],
         [M_BUSINESS, M_AGENT_ID, mat("inspection-report", "监督检验证书", "Inspection certificate")],
         audience="enterprise", keywords=["电梯登记"], days=15)
    item("enterprise-relocation", "企业迁移登记", "Moving a company's registered address", o, "business_change",
         enterprise(False) + agent(False) + [
             fld("new_address", "迁入地住所", "New registered address", "address", max_length=120),
             fld("new_registration_authority", "迁入地登记机关", "Registration authority at the new address", max_length=100),
         ],
         [M_BUSINESS, M_AGENT_ID, mat("premises-proof", "新住所使用证明", "Proof of the new premises", tolerance=10)],
         audience="enterprise", keywords=["公司迁址", "跨区迁移"], days=3)
    item("branch-establishment", "分公司设立登记", "Registering a branch", o, "business_start",
         enterprise(False) + agent(False) + [
             fld("branch_name", "分公司名称", "Branch name", max_length=100),
             fld("branch_address", "营业场所", "Branch premises", "address", max_length=120),
             fld("branch_manager", "负责人姓名", "Branch manager", max_length=50),
             fld("branch_manager_id", "负责人公民身份号码", "Branch manager's ID number", "id_number"),
             fld("branch_scope", "经营范围", "Business scope", max_length=1000),
         ],
         [M_BUSINESS, M_AGENT_ID, mat("premises-proof", "营业场所使用证明", "Proof of the premises", tolerance=10)],
         audience="enterprise", keywords=["开分公司"], days=1)
    item("equity-pledge-registration", "股权出质登记", "Equity pledge registration", o, "business_change",
         enterprise(False) + agent(False) + [
             fld("pledgor", "出质人", "Pledgor", max_length=100),
             fld("pledgee", "质权人", "Pledgee", max_length=100),
             fld("pledged_amount", "出质股权数额（万元）", "Pledged equity (CNY 10,000)", max_length=12),
         ],
         [M_BUSINESS, M_AGENT_ID, mat("pledge-contract", "质押合同", "Pledge contract")],
         audience="enterprise", keywords=["股权质押"], days=3)


# ---------------------------------------------------------------------------------------------
# 税务局.

def tax():
    o = "tax"
    item("tax-registration-confirmation", "新办纳税人信息确认", "Tax registration of a new business", o,
         "business_start",
         enterprise(False, scope=True) + agent(False) + [
             fld("financial_officer", "财务负责人姓名", "Financial officer", max_length=50),
             fld("financial_officer_id", "财务负责人公民身份号码", "Financial officer's ID number", "id_number"),
             fld("accounting_system", "适用会计制度", "Accounting standard", "choice", options=[
                 ("small", "小企业会计准则", "Accounting standard for small enterprises"),
                 ("enterprise", "企业会计准则", "Accounting standards for business enterprises")]),
             fld("tax_agent", "办税人员", "Tax clerk", max_length=50),
         ],
         [M_BUSINESS, M_AGENT_ID], audience="enterprise", keywords=["税务登记", "新办企业", "报到"], days=1)
    item("invoice-application", "发票领用", "Obtaining invoices", o, "business_start",
         enterprise(True) + agent(True) + [
             fld("invoice_type", "发票种类", "Kind of invoice", "choice", required=False, options=[
                 ("digital_general", "数电普通发票", "Digital general invoice"),
                 ("digital_special", "数电专用发票", "Digital special VAT invoice")]),
             fld("monthly_quantity", "每月最高领用数量", "Maximum per month", required=False, max_length=6),
         ],
         [M_BUSINESS, M_AGENT_ID], audience="enterprise", keywords=["领发票", "数电票"], days=0, instant=True,
         checks=["enterprise_active"])
    item("individual-income-tax-reconciliation", "个人所得税综合所得年度汇算", "Annual individual income tax reconciliation",
         o, "tax",
         P(True, ethnicity=False, postcode=False) + [
             fld("tax_year", "汇算年度", "Tax year", "choice", required=False, options=[("2025", "2025年度", "2025")]),
             fld("refund_bank", "退税银行", "Bank for the refund", required=False, max_length=50),
             fld("refund_account", "退税账号", "Account for the refund", required=False, max_length=30),
         ],
         [M_ID], keywords=["个税", "退税", "年度汇算"], days=0, instant=True)
    item("tax-payment-certificate", "完税证明开具", "Tax payment certificate", o, "tax",
         P(True, ethnicity=False, address=False, postcode=False) + [
             fld("period_from", "税款所属期起", "From (date)", "date", required=False, not_future=True),
             fld("period_to", "税款所属期止", "To (date)", "date", required=False, not_future=True),
         ],
         [M_ID], keywords=["纳税证明", "个税证明"], days=0, instant=True)
    item("vat-general-taxpayer", "增值税一般纳税人登记", "VAT general taxpayer registration", o, "tax",
         enterprise(True) + agent(True) + [
             fld("effective_from", "生效之日", "Effective from", "date", required=False),
             fld("annual_sales", "年应税销售额（万元）", "Annual taxable sales (CNY 10,000)", required=False, max_length=12),
         ],
         [M_BUSINESS, M_AGENT_ID], audience="enterprise", keywords=["一般纳税人"], days=0, instant=True,
         checks=["enterprise_active"])
    item("tax-residency-certificate", "中国税收居民身份证明", "Certificate of Chinese tax residency", o, "tax",
         P(False) + [
             fld("treaty_country", "缔约对方国家（地区）", "Treaty country", max_length=50),
             fld("income_type", "所得类型", "Kind of income", max_length=50),
             fld("tax_year", "年度", "Year", max_length=4, min_length=4),
         ],
         [M_ID], keywords=["税收居民证明"], days=10)
    item("deed-tax-declaration", "契税申报", "Deed tax return", o, "home_purchase",
         P(False) + property_(full=False) + [
             fld("contract_price", "成交价格（元）", "Price (CNY)", max_length=12),
             fld("first_home", "是否家庭唯一住房", "The family's only home", "choice", options=YES_NO),
             fld("floor_area", "建筑面积（平方米）", "Floor area (m²)", max_length=8),
         ] + spouse(required=False, sourced=False),
         [M_ID, mat("purchase-contract", "房屋买卖合同", "Purchase contract"), opt(M_MARRIAGE)],
         keywords=["交契税", "契税"], days=1)
    item("individual-invoice-issuance", "代开增值税发票（自然人）", "VAT invoice issued on behalf of an individual", o,
         "tax",
         P(False) + [
             fld("buyer_name", "购买方名称", "Buyer", max_length=100),
             fld("buyer_uscc", "购买方统一社会信用代码", "Buyer's credit code", "uscc"),
             fld("service", "货物或应税劳务、服务名称", "Goods or services", max_length=100),
             fld("amount", "金额（元）", "Amount (CNY)", max_length=12),
         ],
         [M_ID, mat("contract", "合同或协议", "Contract")], keywords=["代开发票", "劳务发票"], days=0)
    item("cross-region-tax-report", "跨区域涉税事项报告", "Report of cross-region business activity", o, "tax",
         enterprise(True) + agent(True) + [
             fld("destination", "跨区域经营地", "Where the business operates", required=False, max_length=100),
             fld("contract_amount", "合同金额（元）", "Contract amount (CNY)", required=False, max_length=12),
             fld("valid_until", "有效期止", "Valid until", "date", required=False, not_past=True),
         ],
         [M_BUSINESS, M_AGENT_ID], audience="enterprise", keywords=["外经证", "跨区域"], days=0, instant=True,
         checks=["enterprise_active"])
    item("tax-clearance", "清税申报", "Tax clearance", o, "business_closure",
         enterprise(False) + agent(False) + [
             fld("clearance_reason", "清税原因", "Reason", "choice", options=[
                 ("deregistration", "注销", "Deregistration"), ("relocation", "跨区迁移", "Relocation")]),
         ],
         [M_BUSINESS, M_AGENT_ID], audience="enterprise", keywords=["清税证明", "税务注销"], days=1)


# ---------------------------------------------------------------------------------------------
# 教育局.

def education():
    o = "education"
    school = [
        fld("child_name", "学生姓名", "Pupil's name", max_length=50),
        fld("child_id_number", "学生公民身份号码", "Pupil's citizen ID number", "id_number"),
        fld("child_sex", "学生性别", "Pupil's sex", "choice", options=SEX),
        fld("child_birth_date", "学生出生日期", "Pupil's date of birth", "date", not_future=True),
    ]
    item("primary-school-enrolment", "义务教育小一学位申请", "Primary school place (grade one)", o, "education",
         P(False) + school + household(full=False) + [
             fld("school_district", "申请学区", "School catchment", max_length=50),
             fld("housing_type", "住房类型", "Housing", "choice", options=[
                 ("owned", "自购商品房", "Owned home"), ("rented", "租房", "Rented"), ("other", "其他", "Other")]),
             fld("residence_address", "实际居住地址", "Address of residence", "address", max_length=120),
             fld("preferred_school", "意向学校", "Preferred school", required=False, max_length=100),
         ],
         [M_ID, M_HOUSEHOLD, opt(M_PROPERTY),
          opt(mat("rental-certificate", "房屋租赁登记备案证明", "Rental registration certificate",
                  vct("rental_registration_certificate"))),
          opt(mat("residence-permit", "居住证", "Residence permit", vct("residence_permit")))],
         keywords=["小一", "学位申请", "入学"], days=30)
    item("junior-secondary-enrolment", "初一学位申请", "Lower secondary school place (grade seven)", o, "education",
         P(False) + school + [
             fld("primary_school", "毕业小学", "Primary school", max_length=100),
             fld("school_district", "申请学区", "School catchment", max_length=50),
             fld("residence_address", "实际居住地址", "Address of residence", "address", max_length=120),
         ],
         [M_ID, M_HOUSEHOLD, opt(M_PROPERTY)], keywords=["小升初", "初一"], days=30)
    item("preschool-subsidy", "学前教育资助申请", "Preschool education subsidy", o, "education",
         P(False) + school + [
             fld("kindergarten", "在读幼儿园", "Kindergarten", max_length=100),
         ] + bank(),
         [M_ID, M_HOUSEHOLD], keywords=["幼儿园补贴", "学前补贴"], days=20)
    item("school-transfer", "义务教育转学申请", "School transfer", o, "education",
         P(False) + school + [
             fld("current_school", "原就读学校", "Current school", max_length=100),
             fld("target_school", "拟转入学校", "School to move to", max_length=100),
             fld("transfer_reason", "转学原因", "Reason", max_length=200),
         ],
         [M_ID, M_HOUSEHOLD], keywords=["转学"], days=10)
    item("teacher-qualification", "教师资格认定", "Teacher qualification", o, "education",
         P(False) + [
             fld("qualification_level", "资格种类", "Kind of qualification", "choice", options=[
                 ("kindergarten", "幼儿园", "Kindergarten"), ("primary", "小学", "Primary"),
                 ("junior", "初级中学", "Lower secondary"), ("senior", "高级中学", "Upper secondary")]),
             fld("subject", "任教学科", "Subject", max_length=30),
             fld("exam_certificate", "考试合格证明编号", "Exam certificate number", max_length=30),
             fld("mandarin_level", "普通话水平", "Mandarin level", "choice", options=[
                 ("1a", "一级甲等", "Level 1A"), ("1b", "一级乙等", "Level 1B"), ("2a", "二级甲等", "Level 2A"),
                 ("2b", "二级乙等", "Level 2B")]),
         ] + photo(),
         [M_ID, mat("diploma", "学历证书", "Diploma"),
          mat("health-certificate", "体检合格证明", "Health certificate", tolerance=15)], keywords=["教资认定"], days=30)
    item("private-school-licence", "民办学校办学许可", "Private school licence", o, "permits",
         enterprise(False) + agent(False) + [
             fld("school_name", "学校名称", "School name", max_length=100),
             fld("school_level", "办学层次", "Level", "choice", options=[
                 ("kindergarten", "幼儿园", "Kindergarten"), ("training", "非学科类培训", "Non-academic training")]),
             fld("school_address", "办学地址", "Address", "address", max_length=120),
             fld("funds", "开办资金（万元）", "Funds (CNY 10,000)", max_length=10),
         ],
         [M_BUSINESS, M_AGENT_ID, mat("articles", "学校章程", "Articles"),
          mat("premises-proof", "校舍证明", "Proof of premises", tolerance=15)],
         audience="enterprise", keywords=["办学许可证"], days=30)


# ---------------------------------------------------------------------------------------------
# 残联.

def disabled_persons_federation():
    o = "disabled-persons-federation"
    item("disability-card-application", "残疾人证办理（首次申领）", "Disability card (first issue)", o, "disability",
         P(False, household_address=True) + [
             fld("disability_category", "残疾类别", "Kind of disability", "choice", options=[
                 ("visual", "视力残疾", "Visual"), ("hearing", "听力残疾", "Hearing"), ("speech", "言语残疾", "Speech"),
                 ("physical", "肢体残疾", "Physical"), ("intellectual", "智力残疾", "Intellectual"),
                 ("mental", "精神残疾", "Mental"), ("multiple", "多重残疾", "Multiple")]),
             fld("assessment_hospital", "评定医院", "Assessing hospital", max_length=100),
             fld("guardian_name", "监护人姓名", "Guardian's name", required=False, max_length=50),
             fld("guardian_mobile", "监护人手机号码", "Guardian's mobile", "phone", required=False, fmt="mobile"),
         ] + photo() + delivery(True),
         [M_ID, M_HOUSEHOLD, mat("assessment-form", "残疾评定表", "Disability assessment form", tolerance=15)],
         keywords=["残疾证", "办残疾证"], days=20)
    item("disability-card-renewal", "残疾人证换领", "Disability card renewal", o, "disability",
         P(False) + [
             fld("disability_card_number", "残疾人证号", "Disability card number", max_length=20, min_length=20),
             fld("renewal_reason", "换领原因", "Reason", "choice", options=[
                 ("expired", "有效期满", "Expired"), ("changed", "残疾等级变化", "Change in the degree of disability"),
                 ("lost", "遗失", "Lost")]),
         ] + photo(),
         [M_ID, opt(mat("old-card", "原残疾人证", "Old disability card"))], keywords=["残疾证到期"], days=20)
    item("assistive-device-subsidy", "残疾人辅助器具适配补贴", "Subsidy for assistive devices", o, "disability",
         P(False) + [
             fld("disability_card_number", "残疾人证号", "Disability card number", max_length=20, min_length=20),
             fld("device", "辅助器具名称", "Device", max_length=50),
             fld("price", "购置价格（元）", "Price (CNY)", max_length=10),
         ] + bank(),
         [M_ID, mat("invoice", "购置发票", "Invoice", tolerance=10)], keywords=["轮椅", "助听器", "辅具"], days=20)
    item("disability-rehabilitation-aid", "残疾儿童康复救助", "Rehabilitation aid for children with disabilities", o,
         "disability",
         P(False) + short_person("child", "儿童", "Child") + [
             fld("child_birth_date", "儿童出生日期", "Child's date of birth", "date", not_future=True),
             fld("rehabilitation_type", "康复类别", "Kind of rehabilitation", "choice", options=[
                 ("hearing", "听力语言", "Hearing and speech"), ("autism", "孤独症", "Autism"),
                 ("physical", "肢体", "Physical"), ("intellectual", "智力", "Intellectual")]),
             fld("institution", "定点康复机构", "Rehabilitation centre", max_length=100),
         ],
         [M_ID, M_HOUSEHOLD, mat("diagnosis", "诊断证明", "Diagnosis")], keywords=["康复救助", "自闭症"], days=15)
    item("disability-employment-levy-exemption", "残疾人就业保障金减免", "Exemption from the disability employment levy",
         o, "employer_services",
         enterprise(True) + agent(True) + [
             fld("employee_count", "在职职工人数", "Employees", required=False, max_length=6),
             fld("disabled_employee_count", "安排残疾人就业人数", "Employees with disabilities", required=False, max_length=4),
         ],
         [M_BUSINESS, M_AGENT_ID], audience="enterprise", keywords=["残保金"], days=0, instant=True,
         checks=["enterprise_active"])


# ---------------------------------------------------------------------------------------------
# 退役军人事务局.

def veterans_affairs():
    o = "veterans-affairs"
    item("veteran-preferential-card", "退役军人优待证申领", "Veteran preferential card", o, "veterans",
         P(False) + [
             fld("service_start", "入伍时间", "Enlisted", "date", not_future=True),
             fld("service_end", "退役时间", "Discharged", "date", not_future=True),
             fld("discharge_certificate", "退役证件编号", "Discharge certificate number", max_length=30),
         ] + photo() + delivery(True),
         [M_ID, mat("discharge-certificate", "退役证件", "Discharge certificate")], keywords=["优待证", "退役军人"], days=20)
    item("veteran-info-collection", "退役军人信息采集", "Veteran information registration", o, "veterans",
         P(True) + [
             fld("service_branch", "服役军种", "Branch of service", "choice", required=False, options=[
                 ("army", "陆军", "Army"), ("navy", "海军", "Navy"), ("air_force", "空军", "Air force"),
                 ("rocket_force", "火箭军", "Rocket force"), ("armed_police", "武警", "Armed police")]),
             fld("service_start", "入伍时间", "Enlisted", "date", required=False, not_future=True),
             fld("service_end", "退役时间", "Discharged", "date", required=False, not_future=True),
         ],
         [M_ID], keywords=["信息采集", "退役军人"], days=0, instant=True)
    item("veteran-benefits", "优抚对象抚恤补助申领", "Benefits for entitled groups (veterans and martyrs' families)",
         o, "veterans",
         P(False) + [
             fld("entitled_category", "优抚类别", "Category", "choice", options=[
                 ("disabled_veteran", "残疾军人", "Disabled veteran"), ("martyr_family", "烈士遗属", "Martyr's family"),
                 ("veteran_60", "农村籍退役士兵（60周岁以上）", "Rural veteran over 60")]),
         ] + bank(),
         [M_ID, M_HOUSEHOLD, mat("entitlement-proof", "优抚对象证件", "Proof of entitlement")],
         keywords=["抚恤金", "优抚"], days=20)


# ---------------------------------------------------------------------------------------------
# Bundles (一件事): life events with their items, in the order they are done.

BUNDLES = [
    ("birth", "出生一件事", "A birth", [
        "birth-medical-certificate", "birth-registration", "newborn-hukou-registration", "newborn-medical-insurance",
        "social-security-card-application", "vaccination-certificate", "childcare-subsidy", "maternity-allowance",
        "maternity-medical-reimbursement"]),
    ("marriage", "婚育一件事（结婚）", "Getting married", [
        "premarital-check", "marriage-registration", "spouse-hukou-transfer", "household-register-print"]),
    ("moving-house", "迁居一件事", "Moving house", [
        "rental-registration", "residence-permit", "hukou-move-within-city", "hpf-withdrawal-rent",
        "primary-school-enrolment"]),
    ("buying-a-home", "购房一件事", "Buying a home", [
        "new-home-contract-filing", "hpf-loan", "deed-tax-declaration", "new-home-first-registration",
        "hpf-withdrawal-purchase", "mortgage-registration"]),
    ("selling-a-home", "二手房交易一件事", "Selling a home", [
        "resale-contract-filing", "property-transfer-registration", "deed-tax-declaration", "mortgage-cancellation"]),
    ("opening-a-business", "开办企业一件事", "Opening a business", [
        "enterprise-establishment", "company-seal-engraving", "tax-registration-confirmation", "invoice-application",
        "enterprise-social-insurance-registration", "enterprise-medical-insurance-registration",
        "enterprise-hpf-registration"]),
    ("opening-a-restaurant", "开餐馆一件事", "Opening a restaurant", [
        "individual-business-registration", "food-business-licence", "public-place-health-permit"]),
    ("closing-a-business", "企业注销一件事", "Closing a business", [
        "tax-clearance", "enterprise-deregistration"]),
    ("employment", "就业一件事", "Starting a job", [
        "employment-registration", "social-insurance-enrolment", "hpf-account-opening", "social-security-card-application"]),
    ("unemployment", "失业一件事", "Losing a job", [
        "unemployment-registration", "unemployment-benefit", "employment-hardship-recognition", "skill-upgrade-subsidy"]),
    ("retirement", "退休一件事", "Retiring", [
        "retirement-application", "pension-qualification-certification", "hpf-withdrawal-retirement",
        "senior-preferential-card"]),
    ("after-death", "身后一件事", "After a death", [
        "death-hukou-cancellation", "funeral-subsidy", "inheritance-registration"]),
    ("car-ownership", "机动车一件事", "Owning a car", [
        "vehicle-registration", "vehicle-inspection-sticker", "vehicle-transfer", "vehicle-deregistration"]),
    ("school-enrolment", "入学一件事", "Starting school", [
        "primary-school-enrolment", "residence-permit", "vaccination-certificate"]),
    ("disability", "残疾人服务一件事", "Support for people with disabilities", [
        "disability-card-application", "disability-subsidies", "assistive-device-subsidy",
        "disability-rehabilitation-aid"]),
    ("elderly-care", "养老服务一件事", "Care in old age", [
        "senior-preferential-card", "elderly-capability-assessment", "home-care-subsidy", "longevity-allowance"]),
    ("veterans", "退役军人服务一件事", "Leaving the armed forces", [
        "veteran-info-collection", "veteran-preferential-card", "veteran-benefits"]),
]


# ---------------------------------------------------------------------------------------------
# Assembly and self-checks (the simulator checks everything again, independently).

def assign_codes():
    used = {i["code"] for i in ITEMS if i["code"]}
    counters = {}
    for i in ITEMS:
        if i["code"]:
            continue
        letters = OFFICES[i["office"]["id"]][2]
        n = counters.get(letters, 0)
        while True:
            n += 1
            code = f"{REGION}-{letters}-{n:04d}"
            if code not in used:
                break
        counters[letters] = n
        used.add(code)
        i["code"] = code


def check(items, bundles):
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids)), "duplicate item id"
    codes = [i["code"] for i in items]
    assert len(codes) == len(set(codes)), "duplicate item code"
    results = set()
    for i in items:
        assert all(c.islower() or c.isdigit() or c == "-" for c in i["id"]), i["id"]
        names = [f["name"] for f in i["form"]["fields"]]
        assert len(names) == len(set(names)), (i["id"], "duplicate field")
        assert 5 <= len(names) <= 45, (i["id"], len(names))
        mids = [m["id"] for m in i["materials"]]
        assert len(mids) == len(set(mids)), (i["id"], "duplicate material")
        assert set(i["checks"]) <= CHECKS, i["id"]
        for m in i["materials"]:
            assert m["satisfied_by"] is not None or not m["required"] or m["tolerance_days"], (i["id"], m["id"])
            if i["instant"] and m["required"]:
                assert m["satisfied_by"] is not None, (i["id"], m["id"])
        for f in i["form"]["fields"]:
            assert (f["type"] == "choice") == bool(f["options"]), (i["id"], f["name"])
            if i["instant"] and f["required"]:
                assert f["sources"], (i["id"], f["name"], "required field of an instant item without a source")
            for s in f["sources"]:
                assert s["of"] == "applicant" or i["audience"] == "enterprise", (i["id"], f["name"])
                if i["audience"] == "enterprise" and s["of"] == "applicant":
                    assert s["vct"] == BUSINESS, (i["id"], f["name"])
                if i["audience"] == "person":
                    assert s["vct"] != BUSINESS, (i["id"], f["name"])
            if f["type"] == "phone" and i["instant"]:
                assert not f["required"], (i["id"], f["name"])
        if i["result"]:
            assert i["office"]["id"] in LICENCE_OFFICES, i["id"]
            assert i["result"]["vct"] not in results and i["result"]["vct"] not in CLAIMS, i["id"]
            results.add(i["result"]["vct"])
        if i["co_signing"]:
            assert i["co_signing"]["roles"] and i["co_signing"]["deadline_days"] > 0
    for b in bundles:
        for iid in b["items"]:
            assert iid in ids, (b["id"], iid)
    assert len(items) >= 160, len(items)


def holidays():
    """China's public holidays (放假) and make-up working days (调休上班).

    2026: the State Council General Office's notice on the 2026 holiday arrangements
    (国务院办公厅关于2026年部分节假日安排的通知, 4 November 2025).
    2027: the State Council had not published its 2027 arrangement when this table was made; the
    table holds the statutory holidays of the 全国年节及纪念日放假办法 (2024 revision) for 2027 on
    their calendar dates, with the weekday given in lieu (补假) when a statutory day falls on a
    weekend, and no make-up working days. Replace it when the notice appears.
    """
    def days(first, last):
        import datetime
        d0 = datetime.date.fromisoformat(first)
        d1 = datetime.date.fromisoformat(last)
        out = []
        while d0 <= d1:
            out.append(d0.isoformat())
            d0 += datetime.timedelta(days=1)
        return out

    def entries(spec):
        out = []
        for (first, last, zh, en) in spec:
            for d in days(first, last):
                out.append({"date": d, "name_zh": zh, "name_en": en})
        return out

    y2026 = [
        ("2026-01-01", "2026-01-03", "元旦", "New Year's Day"),
        ("2026-02-15", "2026-02-23", "春节", "Spring Festival"),
        ("2026-04-04", "2026-04-06", "清明节", "Qingming Festival"),
        ("2026-05-01", "2026-05-05", "劳动节", "Labour Day"),
        ("2026-06-19", "2026-06-21", "端午节", "Dragon Boat Festival"),
        ("2026-09-25", "2026-09-27", "中秋节", "Mid-Autumn Festival"),
        ("2026-10-01", "2026-10-07", "国庆节", "National Day"),
    ]
    make_up_2026 = [
        ("2026-01-04", "元旦", "New Year's Day"),
        ("2026-02-14", "春节", "Spring Festival"),
        ("2026-02-28", "春节", "Spring Festival"),
        ("2026-05-09", "劳动节", "Labour Day"),
        ("2026-09-20", "国庆节", "National Day"),
        ("2026-10-10", "国庆节", "National Day"),
    ]
    y2027 = [
        ("2027-01-01", "2027-01-01", "元旦", "New Year's Day"),
        # 除夕 5 Feb to 初三 8 Feb; 6 and 7 Feb are a weekend: days in lieu 9 and 10 Feb.
        ("2027-02-05", "2027-02-10", "春节", "Spring Festival"),
        ("2027-04-05", "2027-04-05", "清明节", "Qingming Festival"),
        # 1 and 2 May are a weekend: days in lieu 3 and 4 May.
        ("2027-05-01", "2027-05-04", "劳动节", "Labour Day"),
        ("2027-06-09", "2027-06-09", "端午节", "Dragon Boat Festival"),
        ("2027-09-15", "2027-09-15", "中秋节", "Mid-Autumn Festival"),
        # 1 to 3 October; 2 and 3 October are a weekend: days in lieu 4 and 5 October.
        ("2027-10-01", "2027-10-05", "国庆节", "National Day"),
    ]
    return {
        "description": "Public holidays (放假) and make-up working days (调休上班) of the People's Republic of China, "
                       "used for the working-day due dates of cases.",
        "years": [
            {"year": 2026, "published": True,
             "source": "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）",
             "holidays": entries(y2026),
             "make_up_workdays": [{"date": d, "name_zh": zh, "name_en": en} for (d, zh, en) in make_up_2026]},
            {"year": 2027, "published": False,
             "source": "全国年节及纪念日放假办法（2024年修订）规定的法定节假日及周末补假；国务院2027年调休安排尚未发布",
             "holidays": entries(y2027),
             "make_up_workdays": []},
        ],
    }


def write_json(path, doc, per_line_keys):
    """Compact JSON with one bundle / item per line (readable diffs, modest size)."""
    parts = ["{"]
    keys = list(doc.keys())
    for n, k in enumerate(keys):
        v = doc[k]
        sep = "," if n < len(keys) - 1 else ""
        if k in per_line_keys:
            parts.append(f"{json.dumps(k)}: [")
            for m, x in enumerate(v):
                comma = "," if m < len(v) - 1 else ""
                parts.append(json.dumps(x, ensure_ascii=False, separators=(",", ":")) + comma)
            parts.append("]" + sep)
        else:
            parts.append(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}{sep}")
    parts.append("}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(parts) + "\n")


def main():
    for build in (public_security, traffic_police, civil_affairs, human_resources, medical_security, health,
                  housing, real_estate_registration, provident_fund, market_regulation, tax, education,
                  disabled_persons_federation, veterans_affairs):
        build()
    assign_codes()
    by_id = {i["id"]: i for i in ITEMS}
    bundles = []
    for (bid, zh, en, items) in BUNDLES:
        bundles.append({"id": bid, "name_zh": zh, "name_en": en, "items": items})
        for iid in items:
            assert iid in by_id, (bid, iid)
            by_id[iid]["bundles"].append(bid)
    check(ITEMS, bundles)
    write_json(os.path.join(DATA, "catalogue.json"), {"version": VERSION, "bundles": bundles, "items": ITEMS},
               {"bundles", "items"})
    with open(os.path.join(DATA, "holidays.json"), "w", encoding="utf-8") as f:
        json.dump(holidays(), f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(ITEMS)} items, {len(bundles)} bundles")


if __name__ == "__main__":
    main()
