// A Chart.js chart in a canvas: made once per mount, its data and options replaced (without
// animation) when they change, so a chart polled every second does not flicker.
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef } from 'react';

Chart.register(
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  DoughnutController,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

export function ChartCanvas({
  config,
  label,
  height = 260,
}: {
  config: ChartConfiguration;
  label: string;
  height?: number;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  useEffect(() => {
    const made = new Chart(canvas.current!, { ...config, options: { ...config.options, maintainAspectRatio: false } });
    chart.current = made;
    return () => {
      made.destroy();
      chart.current = null;
    };
    // Made once for a chart type; later configs only update it (below).
  }, [config.type]);
  useEffect(() => {
    const made = chart.current;
    if (!made) return;
    made.data = config.data;
    made.options = { ...config.options, maintainAspectRatio: false };
    made.update('none');
  }, [config]);
  return (
    <div className="chart-box" style={{ height }}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
