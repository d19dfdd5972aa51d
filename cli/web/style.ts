/** The stylesheet of `upkeep serve`, served as /static/web.css (a file of its own: the CSP allows no inline style). */
export const WEB_CSS = `
:root { font-family: system-ui, sans-serif; color: #1f2937; background: #f9fafb; }
body { margin: 0; }
header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; background: #111827; color: #f9fafb; }
header a { color: #bfdbfe; margin-right: 1rem; }
header .signout { margin-left: auto; display: flex; gap: .5rem; align-items: center; }
main { padding: 1rem 1.2rem 3rem; max-width: 1200px; }
table { border-collapse: collapse; margin: .5rem 0 1rem; background: #fff; }
th, td { border: 1px solid #e5e7eb; padding: .3rem .6rem; text-align: left; vertical-align: top; font-size: .92rem; }
th { background: #f3f4f6; }
tr.drifted td { background: #fde68a; font-weight: 600; }
tr.single td { background: #fff; color: #6b7280; }
tr.single td:last-child, .single-key { font-style: italic; border-bottom: 1px dashed #d97706; }
p.explain { max-width: 60rem; color: #374151; }
time { white-space: nowrap; }
.chart .legend-note { font-size: .85rem; color: #4b5563; margin: .2rem .5rem; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: .3rem; background: #e5e7eb; font-size: .85rem; }
.badge.healthy { background: #d1fae5; } .badge.warning, .badge.warn { background: #fef3c7; }
.badge.degraded, .badge.failing, .badge.stale { background: #fee2e2; }
.badge.late { background: #fef3c7; } .badge.fresh { background: #d1fae5; }
.badge.estimated { background: #fff; border: 1px dashed #6b7280; } tr.estimated td { font-style: italic; }
.trend.better { color: #047857; } .trend.worse { color: #b91c1c; }
ul.findings { margin: 0; padding-left: 1rem; }
.quiet { color: #6b7280; }
.error { color: #991b1b; background: #fee2e2; padding: .5rem .8rem; border-radius: .3rem; }
.notice { color: #065f46; background: #d1fae5; padding: .5rem .8rem; border-radius: .3rem; }
section.request { background: #fff; border: 1px solid #e5e7eb; border-radius: .4rem; padding: .2rem 1rem 1rem; margin-bottom: 1.2rem; }
.decide form { margin: .5rem 0; }
button.approve { background: #047857; color: #fff; border: 0; padding: .35rem .8rem; border-radius: .3rem; }
button.reject { background: #b91c1c; color: #fff; border: 0; padding: .35rem .8rem; border-radius: .3rem; }
form.login { display: flex; flex-direction: column; gap: .6rem; max-width: 28rem; }
dl.card { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.card dt { font-weight: 600; }
.chart { min-height: 280px; background: #fff; border: 1px solid #e5e7eb; }
/* JavaScript off: the <noscript> note is parsed as elements and the chart's box shrinks to it (its numbers follow). */
.chart:has(> noscript > p) { min-height: 0; padding: 0 .6rem; }
figure.picture { margin: .5rem 0 1rem; background: #fff; border: 1px solid #e5e7eb; padding: .4rem .6rem; display: inline-block; max-width: 100%; overflow-x: auto; }
figure.picture figcaption { font-size: .85rem; color: #4b5563; margin-top: .2rem; }
figure.picture svg { display: block; }
.key { display: inline-block; padding: 0 .35rem; margin-right: .3rem; border-radius: .2rem; }
.key.counted { background: #dc2626; color: #fff; } .key.single { background: #fbbf24; } .key.no { background: #d1fae5; } .key.untested { background: #e5e7eb; } .key.absent { background: #fff; border: 1px solid #d1d5db; }
details.numbers { margin: .2rem 0 1rem; max-width: 100%; overflow-x: auto; } details.numbers summary { cursor: pointer; color: #1d4ed8; }
table.drift-strip-numbers td { font-variant-numeric: tabular-nums; white-space: nowrap; font-size: .8rem; }
td.state-counted, td.state-drifted { background: #fecaca; font-weight: 600; } td.state-single { background: #fef3c7; }
.distributions figure.distribution { display: inline-block; vertical-align: top; margin: .3rem .5rem .8rem 0; padding: .4rem; background: #fff; border: 1px solid #e5e7eb; border-radius: .3rem; max-width: 100%; }
.distributions figure.distribution.drifted { border-color: #dc2626; }
.distributions figcaption { font-size: .82rem; max-width: 420px; } .distributions svg { max-width: 100%; height: auto; display: block; }
.distributions details summary { cursor: pointer; font-size: .8rem; color: #1d4ed8; } .distributions table { font-size: .8rem; }
p.chart-summary { color: #374151; margin: .3rem 0; }
`;
