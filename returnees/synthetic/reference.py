"""Static reference data: countries, institutions, districts, majors, employers, banks."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


def words(text: str) -> tuple[str, ...]:
    """The space-separated words of ``text`` (compact literals for long word lists)."""
    return tuple(text.split())


# alpha-3, alpha-2, common Chinese, formal Chinese, traditional, English names, cert abbreviation
COUNTRIES: dict[str, tuple[str, str, str, str, tuple[str, ...], str]] = {
    "USA": ("US", "美国", "美利坚合众国", "美國", ("United States", "USA", "U.S.A."), "美"),
    "GBR": ("GB", "英国", "大不列颠及北爱尔兰联合王国", "英國", ("United Kingdom", "UK", "England"), "英"),
    "AUS": ("AU", "澳大利亚", "澳大利亚联邦", "澳洲", ("Australia",), "澳"),
    "CAN": ("CA", "加拿大", "加拿大", "加拿大", ("Canada",), "加"),
    "JPN": ("JP", "日本", "日本国", "日本", ("Japan",), "日"),
    "DEU": ("DE", "德国", "德意志联邦共和国", "德國", ("Germany", "Deutschland"), "德"),
    "FRA": ("FR", "法国", "法兰西共和国", "法國", ("France",), "法"),
    "SGP": ("SG", "新加坡", "新加坡共和国", "新加坡", ("Singapore",), "新"),
    "KOR": ("KR", "韩国", "大韩民国", "韓國", ("South Korea", "Korea, Republic of"), "韩"),
    "HKG": ("HK", "中国香港", "香港特别行政区", "香港", ("Hong Kong", "Hong Kong SAR"), "港"),
    "MAC": ("MO", "中国澳门", "澳门特别行政区", "澳門", ("Macao", "Macau"), "澳门"),
    "TWN": ("TW", "中国台湾", "台湾地区", "臺灣", ("Taiwan",), "台"),
    "CHE": ("CH", "瑞士", "瑞士联邦", "瑞士", ("Switzerland",), "瑞士"),
    "NLD": ("NL", "荷兰", "荷兰王国", "荷蘭", ("Netherlands", "Holland"), "荷"),
    "BEL": ("BE", "比利时", "比利时王国", "比利時", ("Belgium",), "比"),
    "SWE": ("SE", "瑞典", "瑞典王国", "瑞典", ("Sweden",), "瑞典"),
    "NZL": ("NZ", "新西兰", "新西兰", "紐西蘭", ("New Zealand",), "新西兰"),
    "IRL": ("IE", "爱尔兰", "爱尔兰", "愛爾蘭", ("Ireland",), "爱"),
    "RUS": ("RU", "俄罗斯", "俄罗斯联邦", "俄羅斯", ("Russia", "Russian Federation"), "俄"),
}
# Share of returnees per study country.
COUNTRY_WEIGHTS: dict[str, float] = {
    "USA": 28,
    "GBR": 24,
    "AUS": 10,
    "CAN": 5,
    "JPN": 6,
    "DEU": 4,
    "FRA": 3,
    "SGP": 4,
    "KOR": 3,
    "HKG": 5,
    "MAC": 0.5,
    "TWN": 0.5,
    "CHE": 1,
    "NLD": 1.5,
    "BEL": 0.5,
    "SWE": 0.5,
    "NZL": 1.5,
    "IRL": 1,
    "RUS": 1,
}
TIER_WEIGHT = {"top50": 1.0, "top100": 1.6, "top200": 2.2}


@dataclass(frozen=True)
class Institution:
    """One row of ``dedup/standardise/data/institutions.csv``."""

    institution_id: str
    country: str
    tier: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]


@cache
def institutions() -> tuple[Institution, ...]:
    """The shared institution reference, read (never written) from the dedup package."""
    path = resources.files("dedup.standardise").joinpath("data/institutions.csv")
    with resources.as_file(path) as file, file.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Institution(
                r["institution_id"],
                r["country_iso3"],
                r["tier"],
                r["name_zh"],
                r["name_en"],
                tuple(a for a in r["aliases"].split(";") if a),
            )
            for r in csv.DictReader(handle)
        )


# Chongqing districts and counties with a weight for where returnees live and work.
DISTRICTS: dict[str, float] = {
    "渝中区": 10,
    "江北区": 10,
    "南岸区": 9,
    "九龙坡区": 10,
    "沙坪坝区": 10,
    "渝北区": 14,
    "巴南区": 5,
    "北碚区": 5,
    "大渡口区": 3,
    "万州区": 3,
    "涪陵区": 2,
    "永川区": 2,
    "江津区": 2,
    "合川区": 2,
    "璧山区": 1.5,
    "长寿区": 1,
    "綦江区": 1,
    "大足区": 1,
    "荣昌区": 0.7,
    "铜梁区": 0.7,
    "潼南区": 0.5,
    "南川区": 0.5,
    "开州区": 0.5,
    "黔江区": 0.4,
    "梁平区": 0.4,
    "武隆区": 0.3,
    "石柱土家族自治县": 0.2,
    "秀山土家族苗族自治县": 0.2,
    "酉阳土家族苗族自治县": 0.2,
    "彭水苗族土家族自治县": 0.2,
    "垫江县": 0.3,
    "忠县": 0.3,
    "云阳县": 0.3,
    "奉节县": 0.3,
    "巫山县": 0.2,
    "巫溪县": 0.1,
    "城口县": 0.1,
    "丰都县": 0.2,
}

MAJORS: tuple[tuple[str, str], ...] = (
    ("计算机科学与技术", "Computer Science"),
    ("软件工程", "Software Engineering"),
    ("电子工程", "Electronic Engineering"),
    ("机械工程", "Mechanical Engineering"),
    ("土木工程", "Civil Engineering"),
    ("材料科学与工程", "Materials Science"),
    ("化学工程", "Chemical Engineering"),
    ("生物医学工程", "Biomedical Engineering"),
    ("临床医学", "Medicine"),
    ("药学", "Pharmacy"),
    ("公共卫生", "Public Health"),
    ("金融学", "Finance"),
    ("会计学", "Accounting"),
    ("工商管理", "Business Administration"),
    ("经济学", "Economics"),
    ("国际贸易", "International Trade"),
    ("市场营销", "Marketing"),
    ("法学", "Law"),
    ("教育学", "Education"),
    ("英语语言文学", "English Literature"),
    ("新闻传播学", "Media and Communication"),
    ("建筑学", "Architecture"),
    ("城乡规划", "Urban Planning"),
    ("环境科学", "Environmental Science"),
    ("数学", "Mathematics"),
    ("物理学", "Physics"),
    ("化学", "Chemistry"),
    ("生物学", "Biology"),
    ("统计学", "Statistics"),
    ("数据科学", "Data Science"),
    ("人工智能", "Artificial Intelligence"),
    ("电气工程", "Electrical Engineering"),
    ("自动化", "Automation"),
    ("通信工程", "Telecommunications"),
    ("车辆工程", "Automotive Engineering"),
    ("艺术设计", "Design"),
    ("音乐", "Music"),
    ("心理学", "Psychology"),
    ("社会学", "Sociology"),
    ("管理科学与工程", "Management Science"),
)

DOMESTIC_UNIVERSITIES = (
    "重庆大学",
    "西南大学",
    "重庆医科大学",
    "重庆邮电大学",
    "重庆交通大学",
    "重庆师范大学",
    "西南政法大学",
    "四川外国语大学",
    "四川大学",
    "电子科技大学",
    "西南交通大学",
    "西南财经大学",
    "北京大学",
    "清华大学",
    "复旦大学",
    "武汉大学",
    "华中科技大学",
)

PUBLIC_INSTITUTIONS = (
    "重庆大学",
    "西南大学",
    "重庆医科大学",
    "重庆邮电大学",
    "重庆交通大学",
    "重庆师范大学",
    "西南政法大学",
    "四川外国语大学",
    "重庆工商大学",
    "重庆理工大学",
    "重庆科技大学",
    "长江师范学院",
    "重庆文理学院",
    "重庆三峡学院",
    "重庆医科大学附属第一医院",
    "重庆医科大学附属第二医院",
    "重庆医科大学附属儿童医院",
    "重庆市人民医院",
    "重庆市中医院",
    "重庆市急救医疗中心",
    "重庆市第八中学校",
    "重庆市巴蜀中学校",
    "重庆南开中学",
    "重庆市第一中学校",
    "中国科学院重庆绿色智能技术研究院",
    "重庆市农业科学院",
    "重庆市科学技术研究院",
    "重庆市生态环境科学研究院",
    "重庆市规划设计研究院",
    "重庆市疾病预防控制中心",
    "重庆市图书馆",
    "重庆市留学人员服务中心",
)
STATE_ENTERPRISES = (
    "重庆长安汽车股份有限公司",
    "重庆机场集团有限公司",
    "重庆农村商业银行股份有限公司",
    "重庆银行股份有限公司",
    "重庆市轨道交通(集团)有限公司",
    "重庆市城市建设投资(集团)有限公司",
    "重庆化医控股(集团)公司",
    "重庆钢铁股份有限公司",
    "重庆建工集团股份有限公司",
    "重庆水务集团股份有限公司",
    "重庆港务物流集团有限公司",
    "重庆燃气集团股份有限公司",
    "重庆三峡银行股份有限公司",
    "重庆医药(集团)股份有限公司",
    "重庆市能源投资集团有限公司",
    "重庆渝富控股集团有限公司",
    "重庆交通运输控股(集团)有限公司",
    "重庆高速公路集团有限公司",
    "重庆粮食集团有限责任公司",
    "重庆机电控股(集团)公司",
    "西南证券股份有限公司",
    "重庆对外经贸(集团)有限公司",
    "重庆川仪自动化股份有限公司",
    "重庆两江新区开发投资集团有限公司",
)
GOVERNMENT_OFFICES = (
    "重庆市科学技术局",
    "重庆市人力资源和社会保障局",
    "重庆市教育委员会",
    "重庆市经济和信息化委员会",
    "重庆市商务委员会",
    "重庆市卫生健康委员会",
    "重庆市发展和改革委员会",
    "重庆市财政局",
    "重庆市外事办公室",
)
TRADE_NAMES = words(
    "云启 博源 睿智 海纳 星辰 鼎盛 华创 优途 金桥 德润 中科 天元 嘉禾 蓝海 瑞丰 "
    "智联 新程 拓维 恒信 维度 山城 两江 渝新 巴蜀 朝天 长江 嘉陵 西部 卓越 聚能 "
    "领航 数智 康宁 锐思"
)
INDUSTRIES = words(
    "科技 信息技术 生物医药 新材料 电子 智能制造 软件 网络科技 教育咨询 "
    "商贸 环保科技 文化传媒 汽车零部件 机械设备 医疗器械 数据服务 检测技术 咨询服务"
)
FOREIGN_BRANDS = words("博世 西门子 惠普 英业达 广达 仁宝 福特 马自达 ABB 霍尼韦尔 SAP 埃森哲")

# Professional title series: (employer name pattern, titles from 正高级 down to 初级).
# The last series without a pattern are for everyone else, drawn by weight.
TITLE_SERIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("医院|疾病预防", ("主任医师", "副主任医师", "主治医师", "医师")),
    ("大学|学院", ("教授", "副教授", "讲师", "助教")),
    ("中学", ("正高级教师", "高级教师", "一级教师", "二级教师")),
    ("研究院|科学院|研究所", ("研究员", "副研究员", "助理研究员", "研究实习员")),
    ("", ("正高级工程师", "高级工程师", "工程师", "助理工程师")),
    ("", ("正高级经济师", "高级经济师", "经济师", "助理经济师")),
    ("", ("正高级会计师", "高级会计师", "会计师", "助理会计师")),
)
BANKS = (
    "中国银行重庆市分行",
    "中国银行股份有限公司重庆市分行",
    "中国工商银行重庆市分行",
    "中国建设银行重庆市分行",
    "招商银行重庆分行",
    "重庆银行",
    "重庆农村商业银行",
    "中国农业银行重庆市分行",
    "交通银行重庆市分行",
    "中信银行重庆分行",
    "汇丰银行(中国)重庆分行",
)
CUSTODIANS = (
    "重庆市人才交流服务中心",
    "重庆市留学人员服务中心",
    "重庆市高校毕业生就业服务中心",
)
DEPARTMENTS = words(
    "研发中心 财务部 人力资源部 市场部 技术部 投资发展部 风险管理部 "
    "信息中心 战略规划部 党群工作部 法务部 国际业务部 生产管理部"
)
POSITIONS = words("工程师 高级工程师 经理 副经理 主管 专员 总监 研究员 分析师 技术专家")
STREETS = words("解放碑街道 观音桥街道 南坪街道 杨家坪街道 三峡广场街道 龙溪街道 鱼洞街道 天生街道")
EMAIL_DOMAINS = (
    "163.com",
    "126.com",
    "qq.com",
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "sina.com",
    "foxmail.com",
    "yahoo.com",
)
