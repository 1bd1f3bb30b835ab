// 预算执行率 by region as a horizontal bar chart, one per fund on the home page.
(function () {
  "use strict";
  if (!window.echarts) return;
  document.querySelectorAll(".progress-chart").forEach(function (el) {
    var data = JSON.parse(el.dataset.chart);
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      title: { text: "预算执行率（%）", textStyle: { fontSize: 13 } },
      grid: { left: 90, right: 40, top: 30, bottom: 20 },
      xAxis: { type: "value", max: function (v) { return Math.max(100, Math.ceil(v.max)); } },
      yAxis: { type: "category", data: data.names, inverse: true, axisLabel: { interval: 0 } },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "未填报" : v + "%"; } },
      series: [{ type: "bar", data: data.rates, itemStyle: { color: "#8b1a1a" }, label: { show: true, position: "right", formatter: "{c}%" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
