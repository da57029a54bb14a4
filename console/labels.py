"""Chinese labels for the codes the console shows (sources, reasons, actions, fields, events)."""

from __future__ import annotations

SOURCE_LABELS = {
    "survey": "统计调查",
    "prof_tech": "专技平台",
    "pi_hr": "事业单位人事",
    "soe_staff": "国企员工",
    "archives": "人才档案",
    "social_insurance": "社会保险",
    "fx_accounts": "外汇账户",
}

REASON_LABELS = {
    "decision_conflict": "决定需复核",
    "two_ids": "两个有效身份证号",
    "refused_link": "关联被约束拒绝",
    "near_miss": "同名同生日未合并",
    "uncertain_link": "关联概率不确定",
    "shared_contact": "共用联系方式或认证书",
    "namesake": "同名未合并",
    "low_link": "低分关联",
    "weak_link": "低把握合并",
    "name_dob_only": "仅凭姓名和生日合并",
    "conflicting_keys": "证件号不一致",
    "birth_date_differs": "出生日期不一致",
    "model_joined": "模型关联合并",
}

# What a queue item asks.
KIND_LABELS = {
    "pair": "可能是同一人",
    "person": "可能是两个人",
    "decision": "决定与数据矛盾",
}

ACTION_LABELS = {
    "confirm": "确认人员",
    "merge": "合并人员",
    "split": "拆分记录",
    "different": "标记为不同的人",
    "undo": "撤销决定",
}

# Bulk actions on a group of alike queue items.
BULK_LABELS = {
    "different": "全部标记为不同的人",
    "merge": "全部合并",
    "confirm": "全部确认为同一人",
    "split": "全部按最弱关联拆分",
}

ROLE_LABELS = {"steward": "数据管理员", "viewer": "只读用户", "admin": "系统管理员"}

EVENT_LABELS = {"created": "新建", "merged": "合并", "split": "拆分", "retired": "注销"}

# Standardised record fields shown side by side, with the raw field shown on hover.
RECORD_FIELDS: list[tuple[str, str, str]] = [
    ("name", "姓名", "name_raw"),
    ("name_pinyin", "姓名拼音", "name_latin_raw"),
    ("id_number", "身份证号", "id_number_raw"),
    ("id_kind", "证件类型", "id_type_raw"),
    ("id_issue", "证件号问题", "id_number_raw"),
    ("passport_no", "护照号", "id_number_raw"),
    ("birth_date", "出生日期", "birth_raw"),
    ("sex", "性别", "sex_raw"),
    ("mobile", "手机号", "mobile_raw"),
    ("email", "电子邮箱", "email_raw"),
    ("study_country", "留学国家", "study_country_raw"),
    ("institution_id", "留学院校", "institution_raw"),
    ("degree_cert_no", "学历认证编号", "degree_cert_no_raw"),
    ("si_person_no", "社保个人编号", "si_person_no_raw"),
    ("employer_uscc", "单位信用代码", "employer_uscc_raw"),
    ("employer_name_raw", "单位名称（原始）", "employer_name_raw"),
    ("district_raw", "区县（原始）", "district_raw"),
]

SEX_LABELS = {"M": "男", "F": "女"}

ID_KIND_LABELS = {
    "RIC": "居民身份证",
    "RESIDENCE_PERMIT": "港澳台居民居住证",
    "RIC_INVALID": "无效身份证号",
    "EXCEL_FLOAT": "号码已损坏",
    "PASSPORT": "护照",
    "HKMO": "港澳证件",
    "TW": "台湾证件",
}

COMPARISON_LABELS = {
    "name": "姓名",
    "dob": "出生日期",
    "id_number": "身份证号",
    "sex": "性别",
    "passport_no": "护照号",
    "mobile": "手机号",
    "email": "电子邮箱",
    "degree_cert_no": "学历认证编号",
    "institution_id": "留学院校",
}


def source_label(source: str) -> str:
    """Short Chinese name of a source."""
    return SOURCE_LABELS.get(source, source)
