// The progress board on the home page: submission status and 预算执行率 by region, per fund.
// The figures come from the server (json_script); this file only draws them.
(function () {
  "use strict";
  if (!window.echarts) return;
  var colours = ["#198754", "#0d6efd", "#dc3545", "#6c757d", "#ced4da"];

  function statusOption(data) {
    return {
      title: { text: "填报进度（份）", textStyle: { fontSize: 13 } },
      legend: { top: 0, right: 0, itemWidth: 12 },
      grid: { left: 110, right: 20, top: 40, bottom: 20 },
      color: colours,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.names, inverse: true, axisLabel: { interval: 0, width: 100, overflow: "truncate" } },
      series: data.statuses.map(function (s) { return { name: s.name, type: "bar", stack: "all", data: s.data }; })
    };
  }

  function rateOption(data) {
    // No rate yet (nothing approved below): say so on the empty chart rather than draw bare axes.
    var none = data.rates.every(function (r) { return r === null; });
    return {
      title: { text: "预算执行率（%）", textStyle: { fontSize: 13 } },
      graphic: none ? [{ type: "text", left: "center", top: "middle",
                         style: { text: "尚无已审核的执行数", fill: "#6c757d", fontSize: 13 } }] : [],
      grid: { left: 110, right: 60, top: 30, bottom: 20 },
      xAxis: { type: "value", max: function (v) { return Math.max(100, Math.ceil(v.max)); } },
      yAxis: { type: "category", data: data.names, inverse: true, axisLabel: { interval: 0, width: 100, overflow: "truncate" } },
      tooltip: { trigger: "axis", formatter: function (items) {
        var i = items[0].dataIndex;
        return data.names[i] + "：" + (data.rate_labels[i] || "尚无已审核数据");
      } },
      // The bar length is the number; the label is the server's own text (92.98%, as the table).
      series: [{ type: "bar", data: data.rates, itemStyle: { color: "#8b1a1a" },
                 label: { show: true, position: "right",
                          formatter: function (p) { return data.rate_labels[p.dataIndex]; } } }]
    };
  }

  document.querySelectorAll(".progress-chart").forEach(function (el) {
    var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(el.dataset.kind === "status" ? statusOption(data) : rateOption(data));
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
