"""Chinese surname data shared by the Hanzi and the romanised name parsers.

Pinyin convention (passport / GB/T 28039): upper case, no tones, ü written `YU` after L and N
(吕 LYU, 女 NYU, 略 LYUE) and `U` elsewhere (徐 XU, 于 YU). So the Hanzi 吕 gives `LYU`, and a
romanised LYU, LV or LÜ gives the candidate `LYU` (LU gives LU and LYU).
"""

from __future__ import annotations

import functools
import re

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import RE_HANS

# Common single-character surnames (roughly the 400 most frequent, plus the heteronyms below).
COMMON_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈"
    "饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟"
    "邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储"
    "原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平"
    "计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战"
    "慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由过秘繁员种"
    "黑召句隗祭折訾能眭郇乜莘藏厍逄红朝竺暴蔚洪鄂庚弓"
)

# fmt: off
COMPOUND_SURNAMES = frozenset((
    "欧阳", "司马", "诸葛", "上官", "司徒", "东方", "皇甫", "尉迟", "公孙", "令狐", "慕容", "夏侯",
    "长孙", "宇文", "万俟", "澹台", "轩辕", "端木", "独孤", "南宫", "西门", "闻人", "呼延", "申屠",
    "公冶", "太史", "赫连", "钟离", "宗政", "濮阳", "淳于", "单于", "仲孙", "司空", "司寇", "东郭",
    "百里", "拓跋", "第五", "完颜", "左丘", "谷梁", "段干", "鲜于", "公羊", "羊舌", "微生", "梁丘",
    "亓官", "巫马", "漆雕", "乐正", "壤驷", "公良", "子车", "颛孙", "公西", "东门", "南门",
))
# fmt: on

# Surname readings (syllables) that differ from the everyday reading pypinyin gives.
# fmt: off
SURNAME_READINGS = {
    "曾": "ZENG", "单": "SHAN", "解": "XIE", "区": "OU", "查": "ZHA", "仇": "QIU", "覃": "QIN",
    "朴": "PIAO", "盖": "GE", "缪": "MIAO", "乐": "YUE", "华": "HUA", "任": "REN", "过": "GUO",
    "纪": "JI", "那": "NA", "秘": "BI", "繁": "PO", "员": "YUN", "种": "CHONG", "黑": "HE",
    "召": "SHAO", "句": "GOU", "隗": "WEI", "祭": "ZHAI", "折": "SHE", "能": "NAI", "眭": "SUI",
    "郇": "HUAN", "乜": "NIE", "莘": "SHEN", "藏": "ZANG", "厍": "SHE", "朝": "CHAO", "翟": "ZHAI",
    "薄": "BO", "冼": "XIAN", "沈": "SHEN", "牟": "MOU", "宿": "SU", "柏": "BAI", "谌": "CHEN",
    "逄": "PANG", "尉": "WEI", "都": "DU", "相": "XIANG", "燕": "YAN", "卜": "BU", "长": "CHANG",
    "阚": "KAN",
    "尉迟": "YU CHI", "万俟": "MO QI", "单于": "CHAN YU", "长孙": "ZHANG SUN", "澹台": "TAN TAI",
    "乐正": "YUE ZHENG", "令狐": "LING HU", "仲孙": "ZHONG SUN",
}
# fmt: on

_U_UMLAUT = re.compile(r"^([ln])v")  # pypinyin writes ü as v (only after l and n)


def passport_syllable(syllable: str) -> str:
    """A pypinyin NORMAL-style syllable in passport spelling (lv -> LYU); other text upper-cased."""
    return _U_UMLAUT.sub(r"\1yu", syllable).upper() if syllable.islower() else syllable.upper()


@functools.lru_cache(maxsize=1 << 17)
def pinyin_of(text: str) -> str:
    """Passport-style pinyin of Hanzi text, syllables joined; non-Hanzi runs kept (upper case).

    Cached: given names repeat across surnames (17,000 distinct given names in 150,000 names).
    """
    return "".join(passport_syllable(p) for p in lazy_pinyin(text, style=Style.NORMAL))


@functools.cache
def wade_giles_of(text: str) -> str | None:
    """Hanzi text as a Taiwan passport spells it: Wade-Giles without apostrophes or umlauts, the
    bare syllable I written YI (怡君 YICHUN, 俊杰 CHUNCHIEH, 家豪 CHIAHAO); None unless all Hanzi.

    Cached like `pinyin_of`.
    """
    if not RE_HANS.fullmatch(text):
        return None
    syllables = lazy_pinyin(text, style=Style.WADEGILES)
    return "".join("YI" if s == "i" else s.replace("'", "").replace("v", "u").upper() for s in syllables)


# Taiwan spellings of surnames that differ from their Wade-Giles.
TAIWAN_SURNAMES = {"李": "LEE"}


@functools.cache
def surname_wade_giles(surname: str) -> str:
    """A Hanzi surname as a Taiwan passport spells it, in its surname reading (张 CHANG, 曾 TSENG, 李 LEE)."""
    if surname in TAIWAN_SURNAMES:
        return TAIWAN_SURNAMES[surname]
    from pypinyin.style import convert

    pinyin = (re.sub(r"^([ln])yu", r"\1v", s.lower()) for s in surname_syllables(surname))
    return "".join(convert(p, Style.WADEGILES, strict=False) for p in pinyin).replace("'", "").replace("v", "u").upper()


@functools.cache
def surname_syllables(surname: str) -> tuple[str, ...]:
    """Pinyin syllables of a Hanzi surname, read as a surname (曾 ZENG, 单 SHAN, 尉迟 YU CHI)."""
    if surname in SURNAME_READINGS:
        return tuple(SURNAME_READINGS[surname].split())
    return tuple(passport_syllable(p) for p in lazy_pinyin(surname, style=Style.NORMAL))


def surname_pinyin(surname: str) -> str:
    """Pinyin of a Hanzi surname as one word (欧阳 OUYANG)."""
    return "".join(surname_syllables(surname))


@functools.cache
def mainland_surnames() -> dict[str, tuple[str, ...]]:
    """Pinyin of every known surname -> its syllables ({"ZHANG": ("ZHANG",), ...})."""
    return {surname_pinyin(name): surname_syllables(name) for name in (*COMMON_SURNAMES, *COMPOUND_SURNAMES)}
