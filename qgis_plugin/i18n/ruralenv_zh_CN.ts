<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>RuralEnv</name>
    <message>
        <source>Validate road network</source>
        <translation>路网检查</translation>
    </message>
    <message>
        <source>Road network</source>
        <translation>路网</translation>
    </message>
    <message>
        <source>Checks the road layer before any analysis. Lists the connected components of the network, the dead ends (dangles), the isolated islands (components with no township seat that are shorter than the island length), segments digitised twice and roads without length. Villages on islands or beyond the snapping distance are unreachable in the other algorithms.</source>
        <translation>在分析之前检查道路图层：列出路网的连通分量、断头路端点（悬挂点）、孤岛（没有苏木乡镇驻地且短于孤岛长度的连通分量）、重复数字化的路段和长度为零的道路。位于孤岛上或超出吸附距离的村庄在其他算法中为路网不可达。</translation>
    </message>
    <message>
        <source>Hardened-road access of villages</source>
        <translation>村庄通硬化路分析</translation>
    </message>
    <message>
        <source>Plan analyses</source>
        <translation>规划分析</translation>
    </message>
    <message>
        <source>A village has hardened-road access when a hardened road lies within the access radius and that road reaches its township seat (or county seat) over hardened roads only. pave_gap_m gives the least metres of unpaved road to harden to connect it. Roads are classified as hardened from their surface, grade or OSM highway fields.</source>
        <translation>村庄在通达半径内有硬化道路，且该道路仅经由硬化道路即可到达所属苏木乡镇驻地（或旗县驻地）时，视为通硬化路。pave_gap_m 给出连通所需硬化的最少未硬化道路米数。道路是否硬化依据路面类型、技术等级或 OSM highway 字段判断。</translation>
    </message>
    <message>
        <source>Waste collection model</source>
        <translation>垃圾收运处置模式</translation>
    </message>
    <message>
        <source>Measures road distances from every village to transfer stations and to county, town and village treatment facilities, then chooses the collection model of the plan: county_process (transfer station within reach and a county treatment facility within haul distance of it), town_transfer (town treatment facility within reach, village not dispersed) or village_collect. model_reason states the rule that decided, with the distances.</source>
        <translation>计算每个村庄到垃圾转运站及旗县、苏木乡镇、嘎查村处理设施的路网距离，并按规划选择收运处置模式：county_process 城乡一体化治理模式（垃圾转运站在距离上限内，且其运距内有旗县处理设施）、town_transfer 苏木乡镇集中治理模式（苏木乡镇处理设施在距离内，且村庄不分散）或 village_collect 村庄分散治理模式。model_reason 说明判定所依据的规则和距离。</translation>
    </message>
    <message>
        <source>Full plan and county indicators</source>
        <translation>完整规划与旗县指标</translation>
    </message>
    <message>
        <source>Runs every analysis: hardened-road access, waste collection model, sewage mode and sanitary toilets, mines near villages and the indicators per county against the 2023 and 2025 targets of the plan (waste collection covering 50 % and 60 % of administrative villages; hardened roads to 83.5 % and 85 % of larger natural villages; sewage treated in 26 % and 32 % of administrative villages). Also writes report.xlsx, summary.json and results.gpkg into the report folder.</source>
        <translation>运行全部分析：通硬化路、垃圾收运处置模式、生活污水治理模式与卫生厕所、村庄周边矿山，以及各旗县对照规划2023年和2025年目标的指标（生活垃圾收运处置体系覆盖行政村50%和60%；较大人口规模自然村通硬化路83.5%和85%；生活污水治理率26%和32%）。同时在报告文件夹中写出 report.xlsx、summary.json 和 results.gpkg。</translation>
    </message>
    <message>
        <source>Villages (points)</source>
        <translation>村庄（点）</translation>
    </message>
    <message>
        <source>Roads (lines)</source>
        <translation>道路（线）</translation>
    </message>
    <message>
        <source>Waste facilities (points)</source>
        <translation>垃圾、污水、粪污处理设施（点）</translation>
    </message>
    <message>
        <source>Township seats (points or polygons)</source>
        <translation>苏木乡镇驻地（点或面）</translation>
    </message>
    <message>
        <source>Counties (polygons)</source>
        <translation>旗县（面）</translation>
    </message>
    <message>
        <source>Mines (points or polygons)</source>
        <translation>矿山（点或面）</translation>
    </message>
    <message>
        <source>Hardened road within (access radius)</source>
        <translation>硬化道路通达半径</translation>
    </message>
    <message>
        <source>Villages farther than this from any road are unreachable</source>
        <translation>距道路超过此距离的村庄视为不可达</translation>
    </message>
    <message>
        <source>Transfer station within (county model)</source>
        <translation>垃圾转运站距离上限（城乡一体化治理模式）</translation>
    </message>
    <message>
        <source>County treatment within this distance of the station</source>
        <translation>垃圾转运站至旗县处理设施运距上限</translation>
    </message>
    <message>
        <source>Town treatment facility within (township model)</source>
        <translation>苏木乡镇处理设施距离上限（苏木乡镇集中治理模式）</translation>
    </message>
    <message>
        <source>Village treatment facility within (covers a dispersed village)</source>
        <translation>嘎查村处理设施距离上限（覆盖分散村庄）</translation>
    </message>
    <message>
        <source>Radius for counting neighbours (dispersed villages)</source>
        <translation>统计周边人口的半径（判定分散村庄）</translation>
    </message>
    <message>
        <source>Dispersed below this many people within the radius</source>
        <translation>半径内人口低于此数即为分散</translation>
    </message>
    <message>
        <source>Larger natural village: at least this many households</source>
        <translation>较大人口规模自然村：户数不少于</translation>
    </message>
    <message>
        <source>Join road ends closer than</source>
        <translation>道路端点合并容差</translation>
    </message>
    <message>
        <source>Road islands are shorter than</source>
        <translation>孤岛路网长度上限</translation>
    </message>
    <message>
        <source>Road network components</source>
        <translation>路网连通分量</translation>
    </message>
    <message>
        <source>Dangles (dead ends)</source>
        <translation>悬挂点（断头路）</translation>
    </message>
    <message>
        <source>Isolated road islands</source>
        <translation>孤岛路网</translation>
    </message>
    <message>
        <source>Duplicate segments</source>
        <translation>重复路段</translation>
    </message>
    <message>
        <source>Zero-length roads</source>
        <translation>零长度道路</translation>
    </message>
    <message>
        <source>Number of components</source>
        <translation>连通分量数</translation>
    </message>
    <message>
        <source>Number of isolated islands</source>
        <translation>孤岛数</translation>
    </message>
    <message>
        <source>Number of dangles</source>
        <translation>悬挂点数</translation>
    </message>
    <message>
        <source>Number of duplicate segments</source>
        <translation>重复路段数</translation>
    </message>
    <message>
        <source>Number of zero-length roads</source>
        <translation>零长度道路数</translation>
    </message>
    <message>
        <source>Road length (km)</source>
        <translation>道路里程（公里）</translation>
    </message>
    <message>
        <source>Hardened road length (km)</source>
        <translation>硬化道路里程（公里）</translation>
    </message>
    <message>
        <source>Villages with hardened-road access</source>
        <translation>村庄通硬化路结果</translation>
    </message>
    <message>
        <source>Roads with hardened flag</source>
        <translation>道路（含硬化标记）</translation>
    </message>
    <message>
        <source>Larger natural villages</source>
        <translation>较大人口规模自然村数</translation>
    </message>
    <message>
        <source>Larger villages with hardened access</source>
        <translation>通硬化路的较大人口规模自然村数</translation>
    </message>
    <message>
        <source>Hardened road coverage (%)</source>
        <translation>较大人口规模自然村通硬化路率（%）</translation>
    </message>
    <message>
        <source>Villages short of the 2025 road target</source>
        <translation>距2025年通硬化路目标尚差村数</translation>
    </message>
    <message>
        <source>km to pave for the 2025 target</source>
        <translation>2025年目标逐村累计需硬化里程（共用路段重复计入，为估算上限）（公里）</translation>
    </message>
    <message>
        <source>Villages with collection model</source>
        <translation>村庄收运处置模式</translation>
    </message>
    <message>
        <source>Villages: county_process</source>
        <translation>城乡一体化治理模式村数</translation>
    </message>
    <message>
        <source>Villages: town_transfer</source>
        <translation>苏木乡镇集中治理模式村数</translation>
    </message>
    <message>
        <source>Villages: village_collect</source>
        <translation>村庄分散治理模式村数</translation>
    </message>
    <message>
        <source>Unreachable villages</source>
        <translation>路网不可达村数</translation>
    </message>
    <message>
        <source>Administrative villages covered</source>
        <translation>生活垃圾收运处置体系覆盖的行政村数</translation>
    </message>
    <message>
        <source>Waste coverage (%)</source>
        <translation>生活垃圾收运处置体系覆盖行政村比例（%）</translation>
    </message>
    <message>
        <source>Villages with access and collection model</source>
        <translation>村庄（通硬化路与收运模式）</translation>
    </message>
    <message>
        <source>Facilities</source>
        <translation>垃圾、污水、粪污处理设施</translation>
    </message>
    <message>
        <source>County indicators</source>
        <translation>旗县指标</translation>
    </message>
    <message>
        <source>Administrative villages short of the 2025 waste target</source>
        <translation>距2025年生活垃圾收运处置体系覆盖目标尚差行政村数</translation>
    </message>
    <message>
        <source>Reading and checking the input layers</source>
        <translation>读取并检查输入图层</translation>
    </message>
    <message>
        <source>Choosing a metric coordinate system</source>
        <translation>选择投影坐标系</translation>
    </message>
    <message>
        <source>Building the road network</source>
        <translation>构建路网</translation>
    </message>
    <message>
        <source>Snapping villages and facilities to roads</source>
        <translation>村庄与设施吸附到道路</translation>
    </message>
    <message>
        <source>Measuring road distances</source>
        <translation>计算路网距离</translation>
    </message>
    <message>
        <source>Hardened-road access</source>
        <translation>通硬化路分析</translation>
    </message>
    <message>
        <source>Village classes and reachability</source>
        <translation>村庄分类与路网可达性</translation>
    </message>
    <message>
        <source>Assembling the villages layer</source>
        <translation>汇总村庄图层</translation>
    </message>
    <message>
        <source>Choosing collection models</source>
        <translation>选择收运处置模式</translation>
    </message>
    <message>
        <source>Villages near mines</source>
        <translation>村庄周边矿山</translation>
    </message>
    <message>
        <source>Writing the report files</source>
        <translation>写出报告文件</translation>
    </message>
    <message>
        <source>Checking the network</source>
        <translation>检查路网</translation>
    </message>
    <message>
        <source>The sample data is missing: {0}</source>
        <translation>缺少示例数据：{0}</translation>
    </message>
    <message>
        <source>Sample county 准格尔旗 (150622)</source>
        <translation>示例旗县 准格尔旗（150622）</translation>
    </message>
    <message>
        <source>Load the sample county as a styled project</source>
        <translation>加载示例旗县（含符号化结果）</translation>
    </message>
    <message>
        <source>Could not apply style {0}: {1}</source>
        <translation>无法应用样式 {0}：{1}</translation>
    </message>
    <message>
        <source>Leave out bad rows and go on (default: stop and list them)</source>
        <translation>跳过有问题的记录继续运行（默认：停止并列出问题）</translation>
    </message>
    <message>
        <source>Cancelled: no output was written.</source>
        <translation>已取消：未写出任何结果。</translation>
    </message>
    <message>
        <source>Report folder (report.xlsx, summary.json, results.gpkg)</source>
        <translation>报告文件夹（report.xlsx、summary.json、results.gpkg）</translation>
    </message>
    <message>
        <source>Export interactive web map</source>
        <translation>导出交互式网页地图</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>报告</translation>
    </message>
    <message>
        <source>Writes one self-contained HTML map of a full plan run (its results.gpkg): villages by collection model, roads hardened or not, facilities and county indicators, with pop-ups. The page works offline and requests nothing; with basemap tiles switched on it requests only the tiles.</source>
        <translation>将完整规划的结果（results.gpkg）写成一个独立的 HTML 地图：按收运处置模式显示村庄，区分硬化与未硬化道路，显示处理设施和旗县指标，并带弹出信息。网页可离线使用，不发出任何请求；开启底图瓦片后只请求瓦片。</translation>
    </message>
    <message>
        <source>Results GeoPackage of a full plan (results.gpkg)</source>
        <translation>完整规划的结果 GeoPackage（results.gpkg）</translation>
    </message>
    <message>
        <source>Add basemap tiles (needs internet)</source>
        <translation>添加底图瓦片（需要联网）</translation>
    </message>
    <message>
        <source>Basemap</source>
        <translation>底图</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Language of the map</source>
        <translation>地图语言</translation>
    </message>
    <message>
        <source>Web map</source>
        <translation>网页地图</translation>
    </message>
    <message>
        <source>HTML files (*.html)</source>
        <translation>HTML 文件 (*.html)</translation>
    </message>
    <message>
        <source>Results GeoPackage (results.gpkg)</source>
        <translation>结果 GeoPackage（results.gpkg）</translation>
    </message>
    <message>
        <source>Drawing the web map</source>
        <translation>绘制网页地图</translation>
    </message>
    <message>
        <source>Township seats</source>
        <translation>苏木乡镇驻地</translation>
    </message>
    <message>
        <source>Mines</source>
        <translation>矿山</translation>
    </message>
    <message>
        <source>Import field survey points</source>
        <translation>导入野外调查点</translation>
    </message>
    <message>
        <source>Field survey</source>
        <translation>野外调查</translation>
    </message>
    <message>
        <source>Imports GPS points of a field survey (GPX, KML, KMZ, CSV/TXT, XLSX, GeoJSON, GeoPackage, Shapefile) into the results GeoPackage of a full plan: survey_points (matched to villages by code, name or distance), survey_rejects (each rejected row with its row number and reason), village_location_updates (proposed village moves, to review; villages are never changed) and survey_imports (one audit row per file). The datum of each file (WGS 84, GCJ-02, BD-09, CGCS2000 or projected metres) is decided from the file and the villages and written to the log, unless you choose it. A file imported before is skipped. Any unreadable or unsafe file stops the import and the GeoPackage stays unchanged. A returned village status form (form.gpkg, form.xlsx, or a CSV with village_code and obs_* columns) is recognised and its checked observations go to village_status_updates.</source>
        <translation>将野外调查的 GPS 点（GPX、KML、KMZ、CSV/TXT、XLSX、GeoJSON、GeoPackage、Shapefile）导入完整规划的结果 GeoPackage：survey_points（按村代码、名称或距离匹配到村庄）、survey_rejects（每个拒收行及其行号和原因）、village_location_updates（建议的村庄位置调整，供审核；村庄图层从不修改）和 survey_imports（每个文件一条审计记录）。每个文件的坐标基准（WGS 84、GCJ-02、BD-09、CGCS2000 或投影坐标米）根据文件本身和村庄位置判定并写入日志，也可由您指定。此前已导入的文件将跳过。任何无法读取或不安全的文件都会中止导入，GeoPackage 保持不变。交回的村庄现状调查表（form.gpkg、form.xlsx，或含 village_code 和 obs_* 列的 CSV）会被识别，检查后的调查值写入 village_status_updates。</translation>
    </message>
    <message>
        <source>Points imported</source>
        <translation>导入的点数</translation>
    </message>
    <message>
        <source>Rows rejected</source>
        <translation>拒收的行数</translation>
    </message>
    <message>
        <source>Points matched to a village</source>
        <translation>匹配到村庄的点数</translation>
    </message>
    <message>
        <source>Files imported before (skipped)</source>
        <translation>此前已导入的文件数（已跳过）</translation>
    </message>
    <message>
        <source>Survey files (GPX, KML, KMZ, CSV, TXT, XLSX, GeoJSON, GeoPackage, Shapefile)</source>
        <translation>调查文件（GPX、KML、KMZ、CSV、TXT、XLSX、GeoJSON、GeoPackage、Shapefile）</translation>
    </message>
    <message>
        <source>Coordinates of the files are in</source>
        <translation>文件坐标所用的坐标系</translation>
    </message>
    <message>
        <source>Decide per file (reported)</source>
        <translation>逐个文件自动判定（写入日志）</translation>
    </message>
    <message>
        <source>WGS 84 (GPS receivers)</source>
        <translation>WGS 84（GPS 接收机）</translation>
    </message>
    <message>
        <source>GCJ-02 (Gaode/AMap, Tencent, Ovital)</source>
        <translation>GCJ-02（高德、腾讯、奥维）</translation>
    </message>
    <message>
        <source>BD-09 (Baidu)</source>
        <translation>BD-09（百度）</translation>
    </message>
    <message>
        <source>CGCS2000 (degrees)</source>
        <translation>CGCS2000（经纬度）</translation>
    </message>
    <message>
        <source>EPSG code of the files (overrides the choice above, e.g. EPSG:4526)</source>
        <translation>文件的 EPSG 代码（优先于上面的选择，例如 EPSG:4526）</translation>
    </message>
    <message>
        <source>Match a point to the nearest village within</source>
        <translation>按距离将调查点匹配到最近村庄的最大距离</translation>
    </message>
    <message>
        <source>Reading {0}</source>
        <translation>正在读取 {0}</translation>
    </message>
    <message>
        <source>Checking the points and matching them to villages</source>
        <translation>检查调查点并匹配到村庄</translation>
    </message>
    <message>
        <source>Writing to the results GeoPackage</source>
        <translation>写入结果 GeoPackage</translation>
    </message>
    <message>
        <source>EPSG code {0} is not a coordinate system of the Earth</source>
        <translation>EPSG 代码 {0} 不是地球坐标系</translation>
    </message>
    <message>
        <source>No survey files given</source>
        <translation>未指定调查文件</translation>
    </message>
    <message>
        <source>Could not update {0}: {1}. If another program has it open, close it there and run again; it is unchanged.</source>
        <translation>无法更新 {0}：{1}。如有其他程序打开了该文件，请先在该程序中关闭后重新运行；该文件未被修改。</translation>
    </message>
    <message>
        <source>Town sewer network (lines)</source>
        <translation>城镇污水管网（线）</translation>
    </message>
    <message>
        <source>Urban built-up areas (polygons)</source>
        <translation>城镇建成区（面）</translation>
    </message>
    <message>
        <source>Sewage priority zones (polygons)</source>
        <translation>生活污水治理分区（沿黄流域及“一湖两海”周边等，面）</translation>
    </message>
    <message>
        <source>Sewer or urban area within (connect to the town sewer)</source>
        <translation>城镇污水管网或建成区距离阈值（纳入城镇管网）</translation>
    </message>
    <message>
        <source>Central sewage plant from this many residents</source>
        <translation>常住人口达到此数建设集中处理设施</translation>
    </message>
    <message>
        <source>Resource use below this many residents</source>
        <translation>常住人口低于此数采用生活污水资源化利用方式</translation>
    </message>
    <message>
        <source>Radius of a concentrated settlement</source>
        <translation>居住集中判定半径</translation>
    </message>
    <message>
        <source>Water use per resident (litres per day)</source>
        <translation>人均日用水量（升/人·日）</translation>
    </message>
    <message>
        <source>Sewage treatment rate (%)</source>
        <translation>生活污水治理率（%）</translation>
    </message>
    <message>
        <source>Sanitary toilet rate (%)</source>
        <translation>卫生厕所普及率（%）</translation>
    </message>
    <message>
        <source>Sewage and sanitary toilets of villages</source>
        <translation>村庄生活污水治理与卫生厕所</translation>
    </message>
    <message>
        <source>Villages with sewage mode and toilets</source>
        <translation>村庄（生活污水治理模式与卫生厕所）</translation>
    </message>
    <message>
        <source>Administrative villages short of the 2025 sewage target</source>
        <translation>距2025年生活污水治理率目标尚差行政村数</translation>
    </message>
    <message>
        <source>Households without a sanitary toilet</source>
        <translation>尚无卫生厕所的户数</translation>
    </message>
    <message>
        <source>Villages needing a central sewage plant</source>
        <translation>需建污水集中处理设施的村庄数</translation>
    </message>
    <message>
        <source>Villages needing decentralised sewage units</source>
        <translation>需建分散式污水处理设备的村庄数</translation>
    </message>
    <message>
        <source>Sewage modes and sanitary toilets</source>
        <translation>生活污水治理模式与卫生厕所</translation>
    </message>
    <message>
        <source>Chooses each village's sewage mode by the plan: sewer_connect (a sewer line, urban area or town wastewater plant within the sewer distance), central (at least 1000 residents living concentrated; a plant of 20 t/d or more), resource_use (under 300 residents, scattered and remote) or decentralised (the others; units of about 5 t/d). Gives the design flow (residents × water use × discharge coefficient, GB/T 51347-2019), the facility size, the toilet-waste route (sewer, collect_and_haul to the nearest fecal treatment facility by road, or on_site), the sanitary toilet rate and the households still without one. Needs resident_population (else population), households, sanitary_toilet_households and sewage_treated on the villages.</source>
        <translation>按规划确定每个村庄的生活污水治理模式：sewer_connect（城镇污水管网、建成区或城镇污水处理厂在距离阈值内，就近纳入城镇污水管网）、central（常住人口1000人以上且居住集中，建设日处理能力20吨以上的集中处理设施）、resource_use（常住人口300人以下的分散、偏远村庄，以粪污收集为主的生活污水资源化利用方式）或 decentralised（常住人口300至1000人、居住分散的村庄，分散式处理设备或日处理能力5吨左右的小型污水处理设施；其余村庄参照此档）。给出设计水量（常住人口乘人均日用水量再乘排放系数，GB/T 51347-2019）、设施规模、厕所粪污处理方式（接入污水处理系统统一处理 sewer、建设粪污集中处理设施并定期掏运 collect_and_haul（路网距离）或就地就近进行无害化消纳、综合利用 on_site）、卫生厕所普及率和尚需改厕户数。村庄图层需有常住人口 resident_population（无则用 population）、户数 households、卫生厕所户数 sanitary_toilet_households 和生活污水已治理 sewage_treated。</translation>
    </message>
    <message>
        <source>Accessibility surface</source>
        <translation>可达性栅格面</translation>
    </message>
    <message>
        <source>Every cell of the territory gets the off-road distance from its centre to the nearest road plus the distance along roads from there to the nearest target, in metres (or the travel time in minutes, with a speed per road class). Cells farther than the snapping distance from every road have no value. Writes a Cloud-Optimised GeoTIFF and, beside it, the share of each county&apos;s and township&apos;s area and people within 5, 10 and 20 km (summary .json and report .xlsx).</source>
        <translation>辖区内每个栅格单元的取值为：从单元中心到最近道路的非道路距离，加上从该点沿道路到最近目标的距离，单位为米（或按道路等级车速计算的行程时间，单位为分钟）。距所有道路超过吸附距离的单元无值。输出云优化 GeoTIFF，并在其旁写出各旗县、各苏木乡镇5公里、10公里、20公里以内的面积和人口占比（summary.json 与 report.xlsx）。</translation>
    </message>
    <message>
        <source>Distance to</source>
        <translation>到达目标</translation>
    </message>
    <message>
        <source>Transfer station</source>
        <translation>垃圾转运站</translation>
    </message>
    <message>
        <source>Town treatment facility</source>
        <translation>苏木乡镇处理设施</translation>
    </message>
    <message>
        <source>County treatment facility</source>
        <translation>旗县处理设施</translation>
    </message>
    <message>
        <source>Village treatment facility</source>
        <translation>嘎查村处理设施</translation>
    </message>
    <message>
        <source>Hardened road</source>
        <translation>硬化路</translation>
    </message>
    <message>
        <source>Township seat</source>
        <translation>苏木乡镇驻地</translation>
    </message>
    <message>
        <source>Measure</source>
        <translation>度量</translation>
    </message>
    <message>
        <source>Road distance (m)</source>
        <translation>道路距离（米）</translation>
    </message>
    <message>
        <source>Travel time (min)</source>
        <translation>行程时间（分钟）</translation>
    </message>
    <message>
        <source>Cell size (m)</source>
        <translation>栅格单元大小（米）</translation>
    </message>
    <message>
        <source>Population raster (optional; default: the villages&apos; population)</source>
        <translation>人口栅格（可选；默认使用村庄人口）</translation>
    </message>
    <message>
        <source>Also write a distance surface to (into the report folder)</source>
        <translation>同时输出到以下目标的距离栅格面（写入报告文件夹）</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Plan new waste facilities</source>
        <translation>规划新增生活垃圾收运处置设施</translation>
    </message>
    <message>
        <source>Planning</source>
        <translation>规划</translation>
    </message>
    <message>
        <source>Chooses sites for new transfer stations (or town / village treatment facilities) among candidate points (by default township seats, junctions of the hardened network and existing facility sites): K sites covering the most administrative villages, or the fewest sites so that every county reaches the target. A greedy plan is improved by an exact integer programme within the time limit; plan.json reports the bound and the gap. The plan is checked by running the analysis again with the sites built; the coverage reported is that run's.</source>
        <translation>在候选点位（默认为苏木乡镇驻地、硬化路网交叉口和现有设施点位）中为新建垃圾转运站（或苏木乡镇处理设施、嘎查村处理设施）选址：建设 K 座设施使覆盖的行政村最多，或以最少的设施使每个旗县达到目标。先用贪心算法得到方案，再在时限内用精确整数规划改进；plan.json 报告界值和最优性差距。方案建成后重新运行分析进行核验，报告的覆盖率取自该次运行。</translation>
    </message>
    <message>
        <source>Candidate sites (points; optional)</source>
        <translation>候选点位（点；可选）</translation>
    </message>
    <message>
        <source>Facility type</source>
        <translation>设施类型</translation>
    </message>
    <message>
        <source>Number of sites K (0: reach the target)</source>
        <translation>设施数量 K（0：达到目标）</translation>
    </message>
    <message>
        <source>Waste coverage target (%)</source>
        <translation>生活垃圾收运处置体系覆盖行政村比例目标（%）</translation>
    </message>
    <message>
        <source>Maximise</source>
        <translation>最大化</translation>
    </message>
    <message>
        <source>Time limit of the exact solver (seconds)</source>
        <translation>精确求解时限（秒）</translation>
    </message>
    <message>
        <source>Check the plan by running the analysis again with it built</source>
        <translation>方案建成后重新运行分析进行核验</translation>
    </message>
    <message>
        <source>Plan folder (plan.gpkg, plan.json, plan.xlsx, map.html)</source>
        <translation>规划文件夹（plan.gpkg、plan.json、plan.xlsx、map.html）</translation>
    </message>
    <message>
        <source>Proposed sites</source>
        <translation>规划新增点位</translation>
    </message>
    <message>
        <source>Villages before and after</source>
        <translation>规划前后的村庄</translation>
    </message>
    <message>
        <source>Plan summary (plan.json)</source>
        <translation>规划摘要（plan.json）</translation>
    </message>
    <message>
        <source>Sites proposed</source>
        <translation>规划设施数</translation>
    </message>
    <message>
        <source>Waste coverage before (%)</source>
        <translation>规划前生活垃圾收运处置体系覆盖行政村比例（%）</translation>
    </message>
    <message>
        <source>Waste coverage after (%)</source>
        <translation>规划后生活垃圾收运处置体系覆盖行政村比例（%）</translation>
    </message>
    <message>
        <source>Optimality gap</source>
        <translation>最优性差距</translation>
    </message>
    <message>
        <source>Plan roads to pave</source>
        <translation>规划待硬化道路</translation>
    </message>
    <message>
        <source>Chooses the unpaved road pieces to harden, least total length, so that each county reaches the target share of larger natural villages with hardened access (shared stretches counted once), or the most villages within a km budget per county. plan.json gives per county the km for 83.5 %, 85 %, 90 % and 100 %, a lower bound and the gap. The plan is checked by running the analysis again with the pieces hardened; the coverage reported is that run's.</source>
        <translation>选择需要硬化的未硬化路段，使总里程最短，并使每个旗县通硬化路的较大人口规模自然村比例达到目标（共用路段只计一次）；或在每个旗县的里程预算内使受益村庄最多。plan.json 按旗县给出达到83.5%、85%、90%和100%所需里程、下界和差距。方案中的路段硬化后重新运行分析进行核验，报告的覆盖率取自该次运行。</translation>
    </message>
    <message>
        <source>Hardened access target (%)</source>
        <translation>较大人口规模自然村通硬化路率目标（%）</translation>
    </message>
    <message>
        <source>Instead: km each county may pave (0: none)</source>
        <translation>或：每个旗县可硬化里程（公里；0为不使用）</translation>
    </message>
    <message>
        <source>Roads to pave</source>
        <translation>待硬化道路</translation>
    </message>
    <message>
        <source>km to pave</source>
        <translation>规划硬化里程（公里）</translation>
    </message>
    <message>
        <source>Lower bound (km)</source>
        <translation>里程下界（公里）</translation>
    </message>
    <message>
        <source>Access before (%)</source>
        <translation>规划前较大人口规模自然村通硬化路率（%）</translation>
    </message>
    <message>
        <source>Access after (%)</source>
        <translation>规划后较大人口规模自然村通硬化路率（%）</translation>
    </message>
    <message>
        <source>Also plan transfer stations and roads to pave for the 2025 targets (report folder/plan)</source>
        <translation>同时按2025年目标规划垃圾转运站和待硬化道路（报告文件夹/plan）</translation>
    </message>
    <message>
        <source>Write the village status form</source>
        <translation>写出村庄现状调查表</translation>
    </message>
    <message>
        <source>Writes the village status form for field teams from the results GeoPackage of a full plan: form.gpkg (one point per village with its current values and empty observation fields; the allowed values are declared in the GeoPackage), form.qgz (a QGIS project with drop-down lists, ranges and read-only current values that QField opens offline), form.xlsx (for teams without QField) and form.kml (the villages for phone map apps). Give a county or township code to write the form of that area only. Bring the filled form back with Import field survey points.</source>
        <translation>由完整规划的结果 GeoPackage 写出供调查组使用的村庄现状调查表：form.gpkg（每村一个点，含现值和空白调查字段；允许值声明在 GeoPackage 内）、form.qgz（QGIS 工程，含下拉列表、取值范围和只读现值，QField 可离线打开）、form.xlsx（供不用 QField 的调查组）和 form.kml（供手机地图应用的村庄位置）。填写旗县或苏木乡镇代码则只写出该区域的调查表。填好的调查表用“导入野外调查点”导回。</translation>
    </message>
    <message>
        <source>Villages in the form</source>
        <translation>调查表中的村庄数</translation>
    </message>
    <message>
        <source>Only the villages of county code</source>
        <translation>只含该旗县代码的村庄</translation>
    </message>
    <message>
        <source>Only the villages of township code</source>
        <translation>只含该苏木乡镇代码的村庄</translation>
    </message>
    <message>
        <source>Form folder</source>
        <translation>调查表文件夹</translation>
    </message>
    <message>
        <source>Form project for QField (form.qgz)</source>
        <translation>QField 调查工程（form.qgz）</translation>
    </message>
    <message>
        <source>Write next year's villages from the survey</source>
        <translation>由调查写出下一年的村庄图层</translation>
    </message>
    <message>
        <source>Writes a new villages GeoPackage: the villages the full plan read, with every accepted observation of the imported status forms applied (and every village_location_updates row whose status you set to accepted), a layer audit with one row per value changed (village, field, old, new, surveyor, date, source file and its SHA-256) and the data year. Observations that disagree are left unchanged and listed, or the later survey date is taken. The results GeoPackage and the input files are not changed. Run the full plan on the new villages for the year's indicators.</source>
        <translation>写出新的村庄 GeoPackage：完整规划所读的村庄，应用已导入调查表中每个有效调查值（以及状态设为 accepted 的 village_location_updates 记录），audit 图层每个改动一行（村庄、字段、原值、新值、调查人、日期、来源文件及其 SHA-256），并记录数据年份。互相矛盾的调查值保持不变并列出，或取调查日期较晚者。结果 GeoPackage 和输入文件不会改变。用新村庄图层运行完整规划即得当年指标。</translation>
    </message>
    <message>
        <source>Values changed</source>
        <translation>改动的值</translation>
    </message>
    <message>
        <source>Conflicts left unchanged</source>
        <translation>未改的冲突</translation>
    </message>
    <message>
        <source>Villages moved</source>
        <translation>移动位置的村庄</translation>
    </message>
    <message>
        <source>Results GeoPackage with imported status forms (results.gpkg)</source>
        <translation>已导入调查表的结果 GeoPackage（results.gpkg）</translation>
    </message>
    <message>
        <source>Data year (0: the year of the latest survey)</source>
        <translation>数据年份（0：最近调查日期的年份）</translation>
    </message>
    <message>
        <source>Observations that disagree</source>
        <translation>互相矛盾的调查值</translation>
    </message>
    <message>
        <source>Leave them unchanged and list them</source>
        <translation>不改并列出</translation>
    </message>
    <message>
        <source>Take the later survey date</source>
        <translation>取调查日期较晚者</translation>
    </message>
    <message>
        <source>Villages of the new year</source>
        <translation>新一年的村庄图层</translation>
    </message>
    <message>
        <source>GeoPackage (*.gpkg)</source>
        <translation>GeoPackage (*.gpkg)</translation>
        <source>Monitoring report of several years</source>
        <translation>多年度监测报告</translation>
    </message>
    <message>
        <source>Compares the results of full plans of several years (one results.gpkg per year, with its summary.json beside it). The year of each comes from the Years field (same order), else from the run's data_year setting. Writes into the folder: monitor.json (every indicator per year against its 2023 and 2025 targets, for the region, each county and township, with the status to 2025 by the Open SDG progress method and the value projected for 2025), changes.gpkg (villages added, removed, recoded or moved; coverage, access, sewage and toilets gained or lost), monitor.xlsx, report.html and report.docx (the monitoring report, with the inspection and acceptance table when the last year is 2025 or later). Settings that differ between the runs and counties missing in a year are reported.</source>
        <translation>比较多个年度完整规划的结果（每个年度一个 results.gpkg，其旁须有 summary.json）。各结果的年度取自“年度”字段（顺序相同），否则取自该次运行的 data_year 设置。在文件夹中写入：monitor.json（全区、各旗县和苏木乡镇每项指标的逐年数值及其2023年、2025年目标，按 Open SDG 进度评价方法给出的2025年进度和按当前进度推算的2025年预计值）、changes.gpkg（新增、撤销、代码调整或位置变动的嘎查村；垃圾收运覆盖、通硬化路、污水治理和卫生厕所的进步与退步）、monitor.xlsx、report.html 和 report.docx（监测报告；最后一个年度为2025年及以后时附检查验收表）。各次运行之间不同的设置和某年度缺失的旗县均予以提示。</translation>
    </message>
    <message>
        <source>Results of full plans, one per year (results.gpkg)</source>
        <translation>完整规划结果，每个年度一个（results.gpkg）</translation>
    </message>
    <message>
        <source>Years of the results, same order, e.g. 2022,2024 (default: their data_year setting)</source>
        <translation>各结果的年度，顺序相同，例如 2022,2024（默认：取其 data_year 设置）</translation>
    </message>
    <message>
        <source>Language of the report</source>
        <translation>报告语言</translation>
    </message>
    <message>
        <source>Chinese</source>
        <translation>中文</translation>
    </message>
    <message>
        <source>English</source>
        <translation>英文</translation>
    </message>
    <message>
        <source>Inspection and acceptance table</source>
        <translation>检查验收表</translation>
    </message>
    <message>
        <source>When the last year is 2025 or later</source>
        <translation>最后一个年度为2025年及以后时</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Monitoring folder</source>
        <translation>监测输出文件夹</translation>
    </message>
    <message>
        <source>Monitoring report (report.docx)</source>
        <translation>监测报告（report.docx）</translation>
    </message>
    <message>
        <source>Monitoring report (report.html)</source>
        <translation>监测报告（report.html）</translation>
    </message>
    <message>
        <source>Monitoring figures (monitor.json)</source>
        <translation>监测数据（monitor.json）</translation>
    </message>
    <message>
        <source>Village changes (changes.gpkg)</source>
        <translation>嘎查村变化（changes.gpkg）</translation>
    </message>
    <message>
        <source>Monitoring tables (monitor.xlsx)</source>
        <translation>监测表格（monitor.xlsx）</translation>
    </message>
    <message>
        <source>Years must be whole numbers separated by commas, e.g. 2022,2024</source>
        <translation>年度须为以逗号分隔的整数，例如 2022,2024</translation>
        <source>Plan sewage treatment and sanitary toilets</source>
        <translation>规划生活污水治理与卫生厕所</translation>
    </message>
    <message>
        <source>Chooses which administrative villages get their sewage treated, and how (the town sewer, their own facility, or a plant shared with neighbours along the roads), at least total cost so that every county reaches the year&apos;s sewage treatment target and, for 2025, each priority zone&apos;s; or the most villages within a budget per county. Then the households to give a sanitary toilet, of the type the village suits, to reach each county&apos;s share of the region&apos;s new toilets or a coverage target. Costs are the cost_* settings; plan.json gives the cost, its lower bound and the gap, and plan.xlsx the project list and the investment estimate. The plan is checked by running the analysis again with it built.</source>
        <translation>选择哪些行政村治理生活污水以及治理方式（就近纳入城镇污水管网、自建设施，或沿道路铺设管网与相邻村庄连片共建处理设施），以最低总费用使每个旗县达到目标年份的生活污水治理率目标（2025年还须达到各重点区域的目标）；或在每个旗县的预算内使治理村庄最多。再按宜水则水、宜旱则旱确定各村改厕户数和类型，使每个旗县完成其承担的全区新建卫生厕所任务或达到普及率目标。费用取自 cost_* 设置；plan.json 给出总费用、下界和差距，plan.xlsx 给出项目库和投资估算。方案建成后重新运行分析进行核验。</translation>
    </message>
    <message>
        <source>Target year</source>
        <translation>目标年份</translation>
    </message>
    <message>
        <source>Instead: sewage budget per county, 10,000 CNY (0: none)</source>
        <translation>或：每个旗县污水治理预算（万元，0：不使用）</translation>
    </message>
    <message>
        <source>Sanitary-toilet coverage target (%) (0: the county&apos;s share of the region&apos;s toilets)</source>
        <translation>卫生厕所普及率目标（%）（0：按旗县承担的全区新建任务）</translation>
    </message>
    <message>
        <source>Sewage projects</source>
        <translation>污水治理项目</translation>
    </message>
    <message>
        <source>Sewage pipes</source>
        <translation>污水管网</translation>
    </message>
    <message>
        <source>Toilet projects</source>
        <translation>改厕项目</translation>
    </message>
    <message>
        <source>Sewage treatment rate before (%)</source>
        <translation>规划前生活污水治理率（%）</translation>
    </message>
    <message>
        <source>Sewage treatment rate after (%)</source>
        <translation>规划后生活污水治理率（%）</translation>
    </message>
    <message>
        <source>Sewage cost (10,000 CNY)</source>
        <translation>污水治理总费用（万元）</translation>
    </message>
    <message>
        <source>Lower bound of the sewage cost (10,000 CNY)</source>
        <translation>污水治理费用下界（万元）</translation>
    </message>
    <message>
        <source>Toilets to build (households)</source>
        <translation>改厕户数</translation>
    </message>
    <message>
        <source>Investment (10,000 CNY)</source>
        <translation>投资估算（万元）</translation>
    </message>
    <message>
        <source>Also plan transfer stations, roads to pave, sewage treatment and toilets for the 2025 targets, priced (report folder/plan)</source>
        <translation>同时按2025年目标规划转运站、待硬化道路、生活污水治理和改厕，并估算投资（报告文件夹/plan）</translation>
    </message>
    <message>
        <source>Assign villages within the facilities&apos; capacity (capacity_tpd)</source>
        <translation>按设施处理能力分配村庄（不超过处理能力 capacity_tpd）Assign villages within capacity</translation>
    </message>
    <message>
        <source>Capacity of each proposed site, t/day (0: unlimited)</source>
        <translation>每处新址的处理能力（吨/日，0：不限）Capacity of each site, t/day</translation>
    </message>
</context>
</TS>
