// Stores and their static collection codes: add a store, make a code, see its QR (the existing
// /c/<code>/qr.png route), open the printable stand (an SVG the browser prints) or download it as
// a PNG drawn on a canvas here.
import { useState, type FormEvent } from 'react';
import type { ApiError } from '../../shared/api';
import { api, PORTAL, type CollectionCode, type StoreList } from '../api';
import { Page, Refusal, useLoad } from '../components/common';
import { useText } from '../text';

/** The stand's size in the SVG; the PNG is drawn at twice that for print. */
const STAND_WIDTH = 600;
const STAND_HEIGHT = 860;
const PNG_SCALE = 2;

/** Draws the stand's SVG on a canvas and downloads it as PNG. */
async function downloadStandPng(code: CollectionCode): Promise<void> {
  const response = await fetch(code.stand_svg, { credentials: 'same-origin' });
  if (!response.ok) return;
  const svg = await response.blob();
  const url = URL.createObjectURL(svg);
  try {
    const image = new Image();
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error('the stand did not load'));
      image.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = STAND_WIDTH * PNG_SCALE;
    canvas.height = STAND_HEIGHT * PNG_SCALE;
    canvas.getContext('2d')!.drawImage(image, 0, 0, canvas.width, canvas.height);
    const link = document.createElement('a');
    link.href = canvas.toDataURL('image/png');
    link.download = `stand-${code.code}.png`;
    link.click();
  } finally {
    URL.revokeObjectURL(url);
  }
}

function CodeCard({ code }: { code: CollectionCode }) {
  const t = useText();
  return (
    <div className="code-card" data-code={code.code}>
      <img src={new URL(code.qr_png).pathname} alt={code.code_url} width={148} height={148} />
      <code>{code.code}</code>
      <div className="code-actions">
        <a className="button" href={code.stand_svg} target="_blank" rel="noreferrer">
          {t('printStand')}
        </a>
        <button type="button" onClick={() => void downloadStandPng(code)}>
          {t('downloadPng')}
        </button>
      </div>
    </div>
  );
}

export function StoresScreen() {
  const t = useText();
  const loaded = useLoad(() => api.get<StoreList>(`${PORTAL}/stores`), []);
  const [name, setName] = useState('');
  const [city, setCity] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const addStore = async (event: FormEvent) => {
    event.preventDefault();
    const answered = await api.post(`${PORTAL}/stores`, { name: name.trim(), city: city.trim() });
    if (!answered.ok) return setError(answered.error);
    setError(null);
    setName('');
    setCity('');
    loaded.reload();
  };
  const newCode = async (storeId: string) => {
    const answered = await api.post(`${PORTAL}/stores/${encodeURIComponent(storeId)}/collection-codes`);
    if (!answered.ok) return setError(answered.error);
    setError(null);
    loaded.reload();
  };
  const list = loaded.value;
  return (
    <Page title={t('navStores')}>
      <form className="filters" onSubmit={(event) => void addStore(event)}>
        <label>
          {t('storeName')}
          <input
            name="store-name"
            value={name}
            maxLength={60}
            onChange={(event) => setName(event.target.value)}
            required
          />
        </label>
        <label>
          {t('city')}
          <input name="city" value={city} maxLength={30} onChange={(event) => setCity(event.target.value)} required />
        </label>
        <button type="submit" className="primary">
          {t('addStore')}
        </button>
      </form>
      <Refusal error={error ?? loaded.error} />
      {list && list.stores.length === 0 && <p className="empty">{t('noStores')}</p>}
      {list?.stores.map((store) => (
        <div className="panel" key={store.store_id} data-store-id={store.store_id}>
          <header className="panel-header">
            <h2>
              {store.name} <span className="muted">· {store.city}</span>
            </h2>
            <button type="button" onClick={() => void newCode(store.store_id)}>
              {t('newCode')}
            </button>
          </header>
          {store.codes.length === 0 ? (
            <p className="muted">{t('noCodes')}</p>
          ) : (
            <div className="codes">
              {store.codes.map((code) => (
                <CodeCard key={code.code} code={code} />
              ))}
            </div>
          )}
        </div>
      ))}
      {list && list.codes_without_store.length > 0 && (
        <div className="panel">
          <h2>{t('codesWithoutStore')}</h2>
          <div className="codes">
            {list.codes_without_store.map((code) => (
              <CodeCard key={code.code} code={code} />
            ))}
          </div>
        </div>
      )}
    </Page>
  );
}
