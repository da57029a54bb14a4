"""The data dictionary of the serving layer: a Chinese comment for every table and column.

`apply_comments` writes them with `COMMENT ON` and refuses an object with an undocumented
column, so the schema reference (`docs/schema.md`) can never silently miss one. A column
documented once means the same in every table, unless `TABLE_COLUMN_DOCS` says otherwise.
"""

from __future__ import annotations

import re

import duckdb

TABLE_DOCS: dict[str, str] = {
    "dim_person": "人员黄金记录：每名人员一行，各属性按存活规则选取，并注明提供该值的来源与记录（未脱敏，受限访问）",
    "person": "人员（分析库）：每名人员一行，只有假名化的人员编号、性别、出生年份、所在区县与留学回国身份；"
    "不含姓名、证件号、联系方式、出生日期及其他可识别个人的信息",
    "person_conflicts": "人员属性冲突：每名人员每类冲突一行，列出各来源不一致的取值，供数据管理员核查",
    "returnee_evidence": "留学回国证据：每条来源断言一行"
    "（学历认证书、调查填报、系统登记、档案、外汇留学业务、否认留学）",
    "returnee_status": "留学回国身份：每名人员一行，由证据推定（已认证/多源佐证/单源声明/无留学证据）",
    "fact_education": "海外教育事实：每条记载留学经历的来源记录一行（国家、院校及层次、学位、出国与回国时间）",
    "fact_employment": "就业事实：每条就业断言一行"
    "（社保、事业单位人事、国企员工为核实记录；平台与调查为自述），含当前与历史",
    "fact_insurance": "社会保险事实：每条参保记录一行（个人编号×险种）",
    "fact_archive": "档案存放事实：每条流动人才档案记录一行",
    "fact_fx_study": "外汇留学证据：每名人员每个留学国家一行，汇总留学汇款、贷款等外汇业务的时间跨度与金额",
    "fact_title": "职称事实：每个专业技术平台账户一行",
    "fact_achievement": "成果库：每项成果一行（论文、专利、著作、获奖、项目、标准），经平台账户关联到人员",
    "fact_application": "人才计划申报：每条申报一行（含留创计划），经平台账户关联到人员",
    "dim_employer": "用人单位：每个统一社会信用代码一行（名称、单位性质及判定依据、登记地区县）",
    "person_profile": "人员数字画像：每名人员一行，"
    "含学历、留学、回国、职称、单位、参保、创业、成果、申报等标签及完整度",
    "dim_policy": "政策库：每项政策措施一行（名称、发文机关、文件、文号、条款是否已核对）",
    "dim_policy_condition": "政策条件：每项政策每个条件一行（条款、所需证明材料、判定规则及其 SQL）",
    "policy_push": "政策推送：每名人才库人员每项政策一行，判定为符合/需补充材料/不符合并说明理由",
    "stats_by_study_country": "年度统计：人才库按留学国家（地区）分布",
    "stats_by_degree": "年度统计：人才库按最高海外学位分布",
    "stats_by_district": "年度统计：人才库按所在区县分布（未填报时取单位登记地）",
    "stats_by_return_year": "年度统计：人才库按回国年份分布（含学位构成与已认证人数）",
    "stats_by_employer_kind": "年度统计：人才库按单位性质分布",
    "stats_policy_push": "统计：各政策推送结果人数（每项政策一行）",
    "stats_overview": "统计：人员、人才库与已认证人数",
    "stats_by_returnee_status": "统计：人员按留学回国身份分布",
    "stats_by_source": "统计：各来源覆盖的人员数",
    "stats_person_conflicts": "统计：各类人员属性冲突涉及的人数",
    "run_info": "本文件由哪次运行生成（与数仓文件的 run_id 相同）",
    "stats_yearly": "年度统计（留学人员信息统计调查）：每个调查年度按留学国家、学位、区县、回国年份、单位性质的人数"
    "及与上年比较",
    "stats_yearly_total": "年度统计（留学人员信息统计调查）：每个调查年度的填报人数及与上年比较",
    "policy_push_events": "政策推送事件：每名人员每项政策每次状态变化一行（新符合、需补充材料、不再符合），"
    "逐夜累积，同一变化只告知一次；含联系方式的推送消息由 returnees export push 导出，不进入分析库",
    "job_posting": "岗位需求：当前岗位需求信息库快照中的每个岗位一行，要求已标准化"
    "（学历、学位、职称序号，专业代码，区县，留学国家代码），注明在招、已过截止日期或与其他渠道重复",
    "person_major": "所学专业：调查与事业单位人事记录中的每个可识别专业一行（教育部本科专业目录代码）",
    "job_candidate": "岗位匹配候选人：人才库每人一行，匹配所用的学历、学位、职称、出生日期、留学身份、"
    "就业见习资格、专业代码、区县和留学国家",
    "job_match": "岗位匹配：每个在招岗位满足全部硬性要求的人才库人员，按匹配度排序（每岗位至多100人），附中文理由",
    "stats_postings_by_category": "统计：在招岗位按岗位类别（岗位数、招聘人数、有候选人的岗位、无人满足的岗位）",
    "stats_postings_by_district": "统计：在招岗位按工作地点区县（全市岗位单列）",
}

SUPPRESSION_NOTE = "；少于5人的计数，以及可据以推算出它的计数，为空值（显示为<5）"
TABLE_DOCS.update({name: doc + SUPPRESSION_NOTE for name, doc in TABLE_DOCS.items() if name.startswith("stats_")})

COLUMN_DOCS: dict[str, str] = {
    # persons and provenance
    "person_id": "主数据人员编号（稳定编号，见 person_xref）",
    "name": "姓名（标准化：简体、去空格）",
    "surname": "姓",
    "given_name": "名",
    "name_pinyin": "姓名拼音（护照拼写规则）",
    "name_masked": "姓名（脱敏：仅保留首字）",
    "sex": "性别（M 男 / F 女）",
    "birth_date": "出生日期",
    "birth_precision": "出生日期精度（day 日 / month 月 / year 年）",
    "birth_year": "出生年份",
    "id_number": "公民身份号码（校验通过的18位号码，未脱敏）",
    "id_number_masked": "公民身份号码（脱敏：前6位+8个*+后4位）",
    "id_birth_date": "身份证号所含出生日期",
    "id_sex": "身份证号所含性别（M/F）",
    "passport_no": "护照号码（未脱敏）",
    "has_passport": "是否有护照号码",
    "si_person_no": "社保个人编号（未脱敏）",
    "mobile": "手机号码（未脱敏）",
    "mobile_masked": "手机号码（脱敏：前3位+4个*+后4位）",
    "email": "电子邮箱（未脱敏）",
    "has_email": "是否有电子邮箱",
    "district": "所在区县（最近填报，标准化为正式名称）",
    "employer_name": "工作单位名称",
    "employer_uscc": "单位统一社会信用代码",
    "employer_kind": "单位性质（机关、事业单位、国有企业、民营企业、外资企业、自主创业、其他；企业=类型不详的企业）",
    "employer_district": "单位登记地区县（由信用代码行政区划码得出）",
    "employer_in_cq": "单位是否在重庆（核实的在渝就业记录或信用代码为重庆）",
    "employer_since": "在该单位的起始日期",
    "employer_verified": "当前单位是否来自核实记录（社保、事业单位人事、国企员工）",
    "returnee_status": "留学回国身份（certified 已认证 / corroborated 多源佐证 / declared 单源声明 / none 无留学证据）",
    "returnee_status_label": "留学回国身份（中文）",
    "is_returnee": "是否属于人才库（有任一来源证明留学经历）",
    "record_count": "来源记录数",
    "sources": "持有该人员记录的来源",
    "name_source": "姓名的来源系统",
    "name_record_uid": "提供姓名的记录",
    "sex_source": "性别的来源系统",
    "sex_record_uid": "提供性别的记录",
    "birth_date_source": "出生日期的来源系统",
    "birth_date_record_uid": "提供出生日期的记录",
    "id_number_source": "身份证号的来源系统",
    "id_number_record_uid": "提供身份证号的记录",
    "passport_no_source": "护照号的来源系统",
    "passport_no_record_uid": "提供护照号的记录",
    "si_person_no_source": "社保个人编号的来源系统",
    "si_person_no_record_uid": "提供社保个人编号的记录",
    "mobile_source": "手机号的来源系统",
    "mobile_record_uid": "提供手机号的记录",
    "email_source": "电子邮箱的来源系统",
    "email_record_uid": "提供电子邮箱的记录",
    "district_source": "所在区县的来源系统",
    "district_record_uid": "提供所在区县的记录",
    "employer_source": "当前单位的来源系统",
    "employer_record_uid": "提供当前单位的记录",
    # lineage
    "record_uid": "来源记录编号（来源:记录键）",
    "record_uids": "来源记录编号列表",
    "source": "来源系统（sources.yaml 中的键）",
    "delivery_date": "来源交付日期",
    # conflicts
    "attribute": "冲突属性（id_number、name、sex、birth_date、studied_abroad）",
    "conflict": "冲突类型（two_valid_ids、name_variants、sex_mismatch、birth_date_mismatch、sex_vs_id、"
    "birth_date_vs_id、studied_abroad）",
    "description": "冲突说明",
    "value_count": "不一致取值个数",
    "values": "各取值及持有它的来源与记录（身份证号来源表示由黄金身份证号推得）",
    "golden_value": "黄金记录采用的值",
    # evidence
    "evidence_kind": "证据类型（degree_certificate、survey_declaration、platform_flag、hr_flag、soe_flag、"
    "archive_record、fx_study、declared_no_study）",
    "evidence": "证据说明",
    "asserts_study_abroad": "该证据是否证明有留学经历（否=来源登记为未留学）",
    "event_date": "证据所涉日期（回国日期或外汇业务止期）",
    "degree_cert_no": "学历学位认证书编号（未脱敏）",
    "degree_cert_masked": "学历学位认证书编号（脱敏：末5位以*代替）",
    "detail": "证据详情",
    "has_degree_cert": "是否有教育部留学服务中心学历学位认证书",
    "asserting_sources": "证明有留学经历的来源",
    "denying_sources": "登记为未留学的来源",
    "evidence_count": "证明留学经历的证据条数",
    # education
    "study_country": "留学国家（地区）ISO 3166-1 三位代码",
    "study_country_name": "留学国家（地区）中文名",
    "institution_id": "留学院校编号（院校参考表）",
    "institution_name": "留学院校中文名",
    "institution_tier": "院校层次（top50、top100、top200；参考表外为空）",
    "degree": "学位（博士、硕士、学士、无）",
    "degree_is_overseas": "学位是否确认为海外取得（调查、海外院校或认证书；无法判断为空）",
    "education_level": "学历（来源原文，已清理）",
    "major": "所学专业",
    "departure_date": "出国时间",
    "return_date": "回国时间",
    "graduated_on": "毕业时间",
    "study_months": "留学时长（月，按出国与回国时间）",
    # employment, insurance, archive
    "basis": "就业记录依据（参保记录、事业单位人事记录、国企员工记录、平台登记、调查自述）",
    "verified": "是否核实记录（社保、事业单位人事、国企员工）",
    "start_date": "起始日期（入职、进入本单位或本次参保日期）",
    "end_date": "结束日期（停止缴费的最近缴费年月）",
    "status": "状态（来源原文：参保缴费、在职、离职、待业等）",
    "is_current": "是否当前在该单位（状态缺失或不在来源的取值集合内时为空）",
    "as_of_date": "该断言的日期（交付日期；调查为填报日期）",
    "post": "岗位或职务",
    "insurance_type": "险种",
    "enrolment_status": "参保状态",
    "is_active": "是否参保缴费中",
    "first_enrolled_on": "首次参保日期",
    "enrolled_on": "本次参保日期",
    "contribution_base": "缴费基数（元）",
    "last_paid_month": "最近缴费年月",
    "archive_no": "档案编号",
    "custodian": "存档机构",
    "archived_on": "存档日期",
    "archive_status": "档案状态（在库、已转出）",
    "in_custody": "档案是否在库（状态缺失或不在来源的取值集合内时为空）",
    "transferred_to": "转出去向",
    "hukou_place": "户籍所在地（未脱敏）",
    "kind_basis": "单位性质判定依据",
    "division_code": "信用代码中的登记管理机关行政区划码",
    # fx
    "first_service_date": "首笔外汇业务日期",
    "last_service_date": "末笔外汇业务日期",
    "first_study_payment": "首笔留学汇款或贷款日期",
    "last_study_payment": "末笔留学汇款或贷款日期",
    "transactions": "外汇业务笔数",
    "study_payments": "留学汇款与留学贷款笔数",
    "total_usd": "业务金额合计（美元）",
    "service_kinds": "业务类型",
    "institution_ids": "外汇记录中的院校编号",
    "first_service_year": "首笔外汇业务年份",
    # titles, achievements, applications
    "title_name": "职称名称",
    "title_level": "职称级别（正高级、副高级、中级、初级、无）",
    "title_rank": "职称级别序号（正高级4、副高级3、中级2、初级1、无0）",
    "title_month": "职称取得时间",
    "achievement_id": "成果编号",
    "user_id": "专业技术平台用户编号",
    "kind": "成果类型（论文、专利、著作、获奖、项目、标准）",
    "title": "名称",
    "level": "成果级别（国际、国家级、省部级、市级、其他）",
    "achieved_on": "取得时间",
    "author_rank": "本人排名",
    "is_first_author": "是否排名第一",
    "application_id": "申报编号",
    "programme": "计划名称",
    "is_liuchuang": "是否重庆市留学人员回国创业创新支持计划（留创计划）",
    "category": "申报类别（创业类、创新类）",
    "year": "申报年度",
    "project_title": "项目名称",
    "is_funded": "是否已资助",
    "grant_10k_cny": "资助金额（万元）",
    # profile
    "age": "年龄（周岁，截至统计日期）",
    "highest_overseas_degree": "最高海外学位（博士、硕士、学士、无；无法确认为空）",
    "overseas_degree_rank": "最高海外学位序号（博士3、硕士2、学士1、无0）",
    "has_doctorate": "是否有博士学位（含国内）",
    "overseas_postdoc": "是否有国（境）外博士后经历（无博士学位为否；有博士学位时数据无法判断，为空）",
    "return_date_basis": "回国时间依据（回国时间填报、海外毕业时间、外汇留学缴费止期）",
    "return_year": "回国年份",
    "years_since_return": "回国年限（整年，截至统计日期）",
    "arrived_cq_on": "来渝工作时间（回国后首个核实就业或参保日期，缺失时取回国时间）",
    "years_in_cq": "来渝工作年限（整年，截至统计日期）",
    "has_title": "是否已取得职称",
    "has_verified_employment": "是否有核实的当前就业（社保缴费、事业单位在职、国企在职）",
    "is_employed": "是否就业（有当前单位为是；调查填报待业或仅参加城乡居民保险为否；不明为空）",
    "insured": "是否在渝参保缴费",
    "si_ever_enrolled": "是否曾在本市参加社会保险",
    "first_insured_on": "首次参保日期",
    "achievements_total": "成果总数",
    "high_level_achievements": "国际及国家级成果数",
    "patents": "专利数",
    "achievements_by_kind": "按类型的成果数",
    "achievements_by_level": "按级别的成果数",
    "applications_total": "人才计划申报次数",
    "liuchuang_grants": "留创计划获资助次数",
    "grants_10k_cny_total": "已获资助金额合计（万元）",
    "programme_history": "申报经历（年度、计划、类别、状态、金额）",
    "completeness": "画像完整度（0–100，12项关键属性的齐全比例）",
    "source_coverage": "覆盖来源",
    "source_count": "覆盖来源数",
    "is_founder": "是否创业者（调查填报自主创业或申报创业类项目为是；任职于其他单位为否）",
    "returnee_verified": "留学回国身份是否已核实（已认证或多源佐证为是；单源声明为空；无证据为否）",
    "cq_employment_verified": "是否有核实的在渝就业（有为是；未就业为否；仅自述为空）",
    "full_time_in_cq": "是否已全职在渝（在渝参保缴费或核实就业为是，否则为空）",
    "in_chongqing": "是否在渝就业或居住（单位在渝或填报了重庆区县为是，否则为空）",
    "tags": "画像标签",
    "outside_civil_service": "是否不属于公务员及参照公务员管理人员"
    "（单位为机关为否；企业或创业者为是；事业单位等无法判断为空）",
    "national_programme_funded": "是否已入选国家级留学回国人才计划"
    "（平台申报记录中获资助的中国留学人员回国创业启动支持计划）",
    "liuchuang_last_grant_year": "最近一次获留创计划资助的年度",
    "award_since_grant": "获留创计划资助后是否取得市级及以上获奖成果（有为是，否则为空）",
    "employer_insured_persons": "当前单位在本库中参保缴费的人数（只含本库人员，是下限）",
    "employer_si_since": "当前单位在本库中最早的参保日期",
    "employer_si_years": "当前单位自最早参保以来的整年数（截至统计日期）",
    "employer_pays_si": "当前单位是否有人参保缴费（本库可见；有参保记录但均已停缴为否）",
    "pre_departure_contributions": "出国前是否已参加职工基本养老或医疗保险（首次参保早于出国时间为是，否则为空）",
    # policies
    "policy_id": "政策编号",
    "policy_name": "政策简称",
    "full_name": "政策全称",
    "benefit": "支持内容",
    "issuer": "发文机关",
    "document": "政策文件（标题）",
    "document_number": "文号（原文未载文号时为空）",
    "document_date": "发文日期（原文未载明时为空）",
    "benefit_source": "支持内容所依据的文件与条款",
    "apply_at": "申请渠道与时间",
    "quote": "条件所依据的原文（多段以……连接）",
    "judged_by": "判定方式（data 由数据判定 / evidence 只能凭材料或评审认定）",
    "data_source": "规则所用的数据及其来源",
    "unknown_conditions": "数据无法判定、需材料证明的条件",
    "event_id": "事件编号（运行、人员、政策与变化的摘要，供通知服务去重）",
    "run_id": "发现该变化的运行编号",
    "run_seq": "发现该变化的运行序号（逐次递增，用于取最近一次告知的状态）",
    "change": "变化（newly_eligible 新符合 / now_needs_evidence 需补充材料 / no_longer_eligible 不再符合）",
    "change_label": "变化（中文）",
    "previous_status": "此前告知的判定结果（从未告知为空）",
    "clauses_verified": "条款是否已与文件原文核对（每个条件都引用原文且引文在原文中找到）",
    "condition_count": "条件数",
    "materials": "申报材料（摘自原文）",
    "policy_file": "政策库中的 YAML 文件",
    "condition_id": "条件编号",
    "seq": "条件顺序",
    "text": "条件原文（摘要）",
    "clause": "条款",
    "rule": "判定规则（JSON）",
    "rule_sql": "判定规则编译成的 SQL",
    "fields": "判定所用的画像字段",
    "status_label": "判定结果（中文）",
    "reasons": "判定理由",
    "failed_conditions": "不满足的条件（含当前取值）",
    "missing_evidence": "需补充的证明材料",
    "met_conditions": "已满足的条件",
    "condition_results": "各条件判定（met 满足 / not_met 不满足 / unknown 待补证明）",
    "evaluated_on": "判定日期（统计日期）",
    "persons": "人数",
    # statistics
    "stat_year": "统计年度（统计日期所在年）",
    "returnees": "留学回国人员数",
    "share_pct": "占比（%）",
    "doctorates": "其中博士",
    "masters": "其中硕士",
    "bachelors": "其中学士",
    "certified": "其中已认证",
    "returned_last_5y": "其中近5年回国",
    "eligible": "符合的人数",
    "needs_evidence": "需补充材料的人数",
    "not_eligible": "不符合的人数",
    # the run
    "as_of": "统计日期（最新当前交付日）",
    "built_at": "生成时间",
    "survey_year": "调查年度（调查表所属年度）",
    "dimension": "分类（study_country、degree、district、return_year、employer_kind）",
    "dimension_label": "分类（中文）",
    "previous_returnees": "上年人数（上年不公布或为0时为空）",
    "change_pct": "增减（%，两年人数都公布时给出）",
    # job postings and matching
    "posting_id": "岗位编号（岗位需求信息库）",
    "has_candidates": "是否有人才库人员满足全部硬性要求（岗位匹配有候选人）",
    "posting_kind": "岗位类型（全职、就业见习、兼职）",
    "majors_text": "专业要求（原文，已清理）",
    "major_codes": "专业代码（教育部本科专业目录：门类2位、专业类4位、专业6位）",
    "major_any": "专业是否不限",
    "min_education_rank": "学历要求序号（博士研究生3、硕士研究生2、大学本科1；不限或无法识别为空）",
    "min_degree_rank": "学位要求序号（博士3、硕士2、学士1；不限或无法识别为空）",
    "min_title_rank": "职称要求序号（正高级4、副高级3、中级2、初级1；不限或无法识别为空）",
    "overseas_requirement": "留学经历要求（required 须有留学经历 / preferred 留学人员优先；不限为空）",
    "preferred_countries": "偏好的留学国家（地区）ISO 3166-1 三位代码",
    "max_age": "年龄上限（周岁，按发布日期计；以文字填写如“35周岁”时视为未知，为空）",
    "district_any": "工作地点是否为全市（重庆市、全市）",
    "salary_min": "月薪下限（元；以文字填写如“面议”时为空）",
    "salary_max": "月薪上限（元；以文字填写如“面议”时为空）",
    "openings": "招聘人数（以文字填写如“若干”时为空）",
    "posted_on": "发布日期",
    "closes_on": "截止日期（空为长期有效）",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "same_as": "同一岗位在另一渠道发布时保留的岗位编号（本行为重复发布）",
    "candidates": "满足全部硬性要求并列入匹配结果的人数（至多100）",
    "major_text": "所学专业（原文，已清理）",
    "major_code": "专业代码（教育部本科专业目录）",
    "major_name": "专业代码在目录中的名称",
    "education_rank": "最高学历序号（博士研究生3、硕士研究生2、大学本科1、大专及以下0；各来源最高者，学位可推出学历）",
    "degree_rank": "最高学位序号（博士3、硕士2、学士1、无0；各来源最高者）",
    "internship_eligible": "是否符合就业见习政策（政策推送判定为符合）",
    "districts": "所在区县与单位登记地区县",
    "study_countries": "留学国家（地区）ISO 3166-1 三位代码（海外教育与外汇留学记录）",
    "rank_for_posting": "在该岗位候选人中的名次（1 为最匹配）",
    "score": "匹配分（专业相同或不限75、同属一个专业类50、未知25、不同0；"
    "区县8、留学国家6、留学人员优先5或3、职称至多3、近年回国至多2）",
    "open_postings": "在招岗位数",
    "openings_total": "招聘人数合计（已知部分）",
    "postings_with_candidates": "有候选人的岗位数",
    "unmet_postings": "无人满足全部硬性要求的岗位数",
    "candidates_listed": "列入匹配结果的人次",
}

TABLE_COLUMN_DOCS: dict[tuple[str, str], str] = {
    ("run_info", "run_id"): "生成本文件的运行编号（与数仓 run_log.run_id 相同）",
    ("policy_push", "status"): "判定结果（eligible 符合 / needs_evidence 需补充材料 / not_eligible 不符合）",
    ("policy_push_events", "status"): "本次判定结果（eligible / needs_evidence / not_eligible；"
    "not_evaluated 已不在人才库）",
    ("stats_yearly", "category"): "类别（国家、学位、区县、回国年份或单位性质；未知为无法确定）",
    ("stats_yearly", "change"): "较上年增减（两年人数都公布时给出）",
    ("stats_yearly_total", "change"): "较上年增减（两年人数都公布时给出）",
    ("stats_yearly", "returnees"): "人数（小于5或为防推算而隐去时为空）",
    ("stats_yearly_total", "returnees"): "填报人数（小于5时为空）",
    ("dim_policy_condition", "basis"): "原文未写明的事实的出处（有此项的政策不能标为已核对）",
    ("policy_push_events", "as_of_date"): "统计日期（发现该变化的运行的最新当前交付日）",
    ("fact_title", "record_uid"): "专业技术平台记录编号",
    ("fact_application", "status"): "申报状态（已提交、单位审核、主管部门审核、专家评审、已资助、未通过）",
    ("fact_employment", "record_count"): "合并的来源记录数（社保按人员与单位合并各险种）",
    ("person_conflicts", "sources"): "各冲突取值所在的来源",
    ("person_profile", "as_of_date"): "统计日期（最新当前交付日）",
    ("talent_library", "as_of_date"): "统计日期（最新当前交付日）",
    ("fact_archive", "transferred_to"): "档案转出去向",
    ("fact_fx_study", "institution_name"): "外汇记录中的首个院校中文名",
    ("dim_employer", "employer_name"): "单位名称（各来源中最常见的写法）",
    ("dim_employer", "employer_kind"): "单位性质（国企员工系统→国有企业；事业单位人事系统→事业单位；"
    "信用代码11/12→机关/事业单位；否则取调查填报的多数，仍无则按信用代码：企业/其他）",
    ("fact_achievement", "title"): "成果名称",
    ("dim_policy_condition", "document"): "条件所依据的政策文件",
    ("stats_by_district", "district"): "所在区县（未填报时取单位登记地区县）",
    ("person", "district"): "所在区县（黄金记录；分析库中唯一的地点信息）",
    ("stats_by_source", "source"): "来源系统",
    ("stats_person_conflicts", "description"): "冲突说明（各类冲突的固定说明文字）",
    ("person_profile", "sex"): "性别（M 男 / F 女，取黄金记录）",
    **{
        (table, column): doc
        for table in ("job_posting", "postings_unmet", "stats_postings_by_district")
        for column, doc in {
            "district": "工作地点区县（标准化为正式名称；全市或无法识别为空）",
            "title": "岗位名称",
            "category": "岗位类别（研发、教学科研、医疗卫生、金融、工程技术、管理、市场营销、其他）",
            "status": "岗位状态（open 在招 / expired 已过截止日期 / duplicate 同一岗位在其他渠道的重复发布）",
            "status_label": "岗位状态（中文）",
            "description": "岗位描述",
            "employer_kind": "单位性质（岗位填报：机关、事业单位、国有企业、民营企业、外资企业、其他）",
            "delivery_date": "岗位需求信息库快照日期",
        }.items()
    },
    ("stats_postings_by_category", "category"): "岗位类别（未填为“未知”）",
    ("stats_postings_by_district", "district"): "工作地点区县（全市岗位为“全市”，未能识别为“未知”）",
    ("job_match", "reasons"): "匹配理由：依次列出满足的硬性要求及如何满足、专业对口程度、区县、留学国家等加分项",
    ("person_major", "record_uid"): "提供该专业的来源记录",
    ("job_candidate", "title_level"): "职称级别（专业技术平台登记的最高级别）",
}

_LABEL_END = re.compile(r"（(?!境）)|[(：]")


def column_doc(table: str, column: str) -> str | None:
    """The Chinese comment of `table.column`, or None when undocumented."""
    return TABLE_COLUMN_DOCS.get((table, column)) or COLUMN_DOCS.get(column)


def column_label(column: str) -> str:
    """A short Chinese label of a column (its comment up to the first bracket)."""
    doc = COLUMN_DOCS.get(column)
    return _LABEL_END.split(doc, maxsplit=1)[0] if doc else column


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def apply_comments(con: duckdb.DuckDBPyConnection, schema: str, name: str, catalog: str | None = None) -> None:
    """`COMMENT ON` a table or view and each of its columns; raise if any lacks documentation.

    `catalog` names an attached database (the analyst file); by default the connection's own.
    """
    database = catalog or con.execute("SELECT current_database()").fetchall()[0][0]
    where = "database_name = ? AND schema_name = ?"
    is_view = con.execute(
        f"SELECT count(*) FROM duckdb_views() WHERE {where} AND view_name = ?", [database, schema, name]
    ).fetchall()[0][0]
    qualified = f'"{database}"."{schema}"."{name}"'
    if name not in TABLE_DOCS:
        raise KeyError(f"表 {schema}.{name} 没有说明")
    con.execute(f"COMMENT ON {'VIEW' if is_view else 'TABLE'} {qualified} IS {_quote(TABLE_DOCS[name])}")
    columns = [
        r[0]
        for r in con.execute(
            f"SELECT column_name FROM duckdb_columns() WHERE {where} AND table_name = ? ORDER BY column_index",
            [database, schema, name],
        ).fetchall()
    ]
    missing = [c for c in columns if column_doc(name, c) is None]
    if missing:
        raise KeyError(f"{schema}.{name} 的列没有说明：{', '.join(missing)}")
    for column in columns:
        doc = column_doc(name, column)
        assert doc is not None  # every column was found documented above
        con.execute(f'COMMENT ON COLUMN {qualified}."{column}" IS {_quote(doc)}')


def comment_schema(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """`apply_comments` to every table of a schema of the connection's own database."""
    tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ?"
        " ORDER BY table_name",
        [schema],
    ).fetchall()
    for (name,) in tables:
        apply_comments(con, schema, name)
