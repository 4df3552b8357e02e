import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { type Stats, type StatsHour, unwrap } from '../api.ts';
import { Empty, Loading, PageTitle, Section, shortId, Time } from '../components.tsx';
import { useLoad } from '../load.ts';
import { useSession } from '../session-context.ts';

/** The picture stays current while the page is open; the answer costs the server a few index reads. */
const REFRESH_EVERY_MS = 30_000;

interface Series {
  label: string;
  color: string;
  value(hour: StatsHour): number;
}

/** Canvas colours (a canvas cannot read CSS variables): the palette of styles.css. */
const COLOR = {
  blue: '#1d4ed8',
  green: '#116b3a',
  amber: '#b45309',
  red: '#a61b1b',
  violet: '#6d28d9',
  grey: '#5f6b7a',
};

const CHARTS: { title: string; series: Series[] }[] = [
  {
    title: 'Tokens minted',
    series: [
      { label: 'Join', color: COLOR.blue, value: (h) => h.tokens_minted.join_token },
      {
        label: '3rd party recording',
        color: COLOR.violet,
        value: (h) => h.tokens_minted.third_party_recording_token,
      },
      { label: 'ZAK', color: COLOR.green, value: (h) => h.tokens_minted.zak },
      { label: 'On-behalf', color: COLOR.amber, value: (h) => h.tokens_minted.obf },
    ],
  },
  {
    title: 'Token refreshes',
    series: [
      { label: 'OK', color: COLOR.green, value: (h) => h.refreshes.ok },
      {
        label: 'Failed, retrying',
        color: COLOR.amber,
        value: (h) => h.refreshes.transient_failure,
      },
      { label: 'Credential lost', color: COLOR.red, value: (h) => h.refreshes.credential_lost },
    ],
  },
  {
    title: 'Zoom webhooks',
    series: [
      { label: 'Received', color: COLOR.blue, value: (h) => h.webhooks.received },
      { label: 'Refused', color: COLOR.red, value: (h) => h.webhooks.refused },
    ],
  },
  {
    title: 'Bot launches',
    series: [{ label: 'Bots', color: COLOR.violet, value: (h) => h.bot_launches }],
  },
];

const sum = (hours: StatsHour[], series: Series) =>
  hours.reduce((total, hour) => total + series.value(hour), 0);

/** uPlot's own legend format for a time (its default), for the hour the legend shows. */
const hourStamp = uPlot.fmtDate('{YYYY}-{MM}-{DD} {h}:{mm}{aa}');

/**
 * The legend's value of series `sidx`: the hovered hour's, or at rest the latest hour's (uPlot
 * would show "--" for every series until the pointer is over the chart).
 */
const legendValue = (chart: uPlot, _raw: number | null, sidx: number, idx: number | null) => {
  const values = chart.data[sidx];
  const value = values?.[idx ?? values.length - 1];
  if (value === undefined || value === null) return '--';
  return sidx === 0 ? hourStamp(new Date(value * 1000)) : uPlot.fmtNum(value);
};

/**
 * One small uPlot chart of 24 hourly values. uPlot draws on a canvas and sizes its elements
 * through the CSSOM (element.style), which the dashboard's CSP (no inline styles) allows; its
 * stylesheet is bundled with ours.
 */
function HourlyChart(props: { title: string; hours: StatsHour[]; series: Series[] }) {
  const holder = useRef<HTMLDivElement>(null);
  const { hours, series } = props;

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const data: uPlot.AlignedData = [
      hours.map((hour) => Date.parse(hour.hour) / 1000),
      ...series.map((one) => hours.map((hour) => one.value(hour))),
    ];
    const size = () => ({ width: Math.max(240, element.clientWidth), height: 150 });
    const chart = new uPlot(
      {
        ...size(),
        legend: { show: true, live: true },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [
          { stroke: COLOR.grey, grid: { show: false } },
          {
            stroke: COLOR.grey,
            size: 40,
            grid: { stroke: '#e6eaf0' },
            // Counts: whole numbers only.
            incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000],
          },
        ],
        series: [
          { label: 'Hour', value: legendValue },
          ...series.map((one) => ({
            label: one.label,
            value: legendValue,
            stroke: one.color,
            width: 2,
            points: { show: false },
          })),
        ],
      },
      data,
      element,
    );
    const observer = new ResizeObserver(() => chart.setSize(size()));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [hours, series]);

  return (
    <figure class="chart">
      <figcaption>
        <span class="chart-title">{props.title}</span>
        <span class="chart-totals">
          {series.map((one) => (
            <span key={one.label}>
              {one.label}: <strong>{sum(hours, one)}</strong>
            </span>
          ))}
        </span>
      </figcaption>
      <div
        ref={holder}
        class="chart-canvas"
        role="img"
        aria-label={`${props.title} per hour, last 24 hours: ${series
          .map((one) => `${one.label} ${sum(hours, one)}`)
          .join(', ')}`}
      />
    </figure>
  );
}

const SYNC_LABELS: [keyof Stats['credentials']['by_meeting_sync_status'], string][] = [
  ['completed', 'Synced'],
  ['in_progress', 'Syncing'],
  ['not_started', 'Not started'],
  ['failed', 'Failed'],
];

function Fleet({ credentials }: { credentials: Stats['credentials'] }) {
  const { total, by_status, by_meeting_sync_status } = credentials;
  return (
    <div class="fleet">
      <div class="tile">
        <span class="tile-label">Credentials</span>
        <strong class="tile-value">{total}</strong>
      </div>
      <a class="tile tile-ok" href="/credentials?status=healthy">
        <span class="tile-label">Healthy</span>
        <strong class="tile-value">{by_status.healthy}</strong>
        <meter min={0} max={Math.max(1, total)} value={by_status.healthy} aria-label="Healthy" />
      </a>
      <a
        class={`tile ${by_status.unhealthy > 0 ? 'tile-bad' : ''}`}
        href="/credentials?status=unhealthy"
      >
        <span class="tile-label">Unhealthy</span>
        <strong class="tile-value">{by_status.unhealthy}</strong>
        {/* Zero is the good end: one unhealthy credential draws the bar red, not the default green. */}
        <meter
          min={0}
          max={Math.max(1, total)}
          low={0.5}
          high={0.5}
          optimum={0}
          value={by_status.unhealthy}
          aria-label="Unhealthy"
        />
      </a>
      <div class="tile tile-wide">
        <span class="tile-label">Meeting sync</span>
        <dl class="sync-counts">
          {SYNC_LABELS.map(([status, label]) => (
            <div key={status}>
              <dt>
                <a href={`/credentials?meeting_sync_status=${status}`}>{label}</a>
              </dt>
              <dd>{by_meeting_sync_status[status]}</dd>
            </div>
          ))}
        </dl>
      </div>
    </div>
  );
}

function RecentlyUnhealthy({ entries }: { entries: Stats['recently_unhealthy'] }) {
  if (entries.length === 0)
    return (
      <Empty title="No unhealthy credentials">
        <p>Every connected Zoom user and account has a working grant.</p>
      </Empty>
    );
  return (
    <ul class="unhealthy-list">
      {entries.map((entry) => (
        <li key={entry.id}>
          <div class="unhealthy-head">
            <a href={`/credentials/${entry.id}`}>
              {entry.user_id ?? entry.account_id ?? shortId(entry.id)}
            </a>
            <span class="muted">
              unhealthy since <Time iso={entry.unhealthy_since} />
            </span>
            {/* The credential's page has the Reconnect button (it makes the link to send). */}
            <a class="unhealthy-action" href={`/credentials/${entry.id}`}>
              Reconnect
            </a>
          </div>
          {entry.status_reason && <p class="unhealthy-reason">{entry.status_reason}</p>}
        </li>
      ))}
    </ul>
  );
}

export function OverviewPage() {
  const { api } = useSession();
  const stats = useLoad(() => unwrap(api.GET('/api/v2/stats/')), 'stats', {
    everyMs: REFRESH_EVERY_MS,
    while: () => true,
  });
  return (
    <>
      <PageTitle>Overview</PageTitle>
      <Loading data={stats.data} error={stats.error}>
        {(data) => (
          <>
            <p class="lead">
              The fleet now, and the last 24 hours per hour (as of <Time iso={data.generated_at} />
              ).
            </p>
            <Fleet credentials={data.credentials} />
            <div class="charts">
              {CHARTS.map((chart) => (
                <HourlyChart
                  key={chart.title}
                  title={chart.title}
                  series={chart.series}
                  hours={data.hours}
                />
              ))}
            </div>
            <Section title="Recently unhealthy">
              <RecentlyUnhealthy entries={data.recently_unhealthy} />
            </Section>
          </>
        )}
      </Loading>
    </>
  );
}
