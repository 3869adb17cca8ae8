// The payment PIN pad: a sheet from the bottom with six dots and a keypad, as payment apps have.
// The sixth digit submits; a wrong PIN (with the tries left, in the server's sentence) shows in
// the sheet and clears the dots, any other refusal closes it for the screen to show.
import { Popup, SpinLoading } from 'antd-mobile';
import { useEffect, useState, type ReactNode } from 'react';
import type { ApiError } from '../../shared/api';
import { Refusal } from './refusal';
import { useText } from '../text';

export const PIN_LENGTH = 6;
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '', '0', 'delete'] as const;

export interface PinSheetProps {
  visible: boolean;
  /** What the PIN confirms: "Pay ¥12.50 to 老王水果店". */
  purpose: ReactNode;
  /** Resolves null when done, or the refusal; wrong_pin and pin_locked stay in the sheet. */
  onPin(pin: string): Promise<ApiError | null>;
  onClose(): void;
}

const STAYS_IN_SHEET = new Set(['wrong_pin', 'pin_locked', 'network_error']);

export function PinSheet(props: PinSheetProps) {
  const t = useText();
  const [digits, setDigits] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    if (!props.visible) {
      setDigits('');
      setError(null);
    }
  }, [props.visible]);

  const submit = async (pin: string) => {
    setBusy(true);
    const refusal = await props.onPin(pin);
    setBusy(false);
    setDigits('');
    if (refusal && STAYS_IN_SHEET.has(refusal.code)) setError(refusal);
    else props.onClose();
  };
  const press = (key: (typeof KEYS)[number]) => {
    if (busy || key === '') return;
    if (key === 'delete') return setDigits((current) => current.slice(0, -1));
    const next = (digits + key).slice(0, PIN_LENGTH);
    setDigits(next);
    if (next.length === PIN_LENGTH) void submit(next);
  };

  return (
    <Popup visible={props.visible} onMaskClick={props.onClose} bodyClassName="pin-sheet" destroyOnClose>
      <div className="pin-sheet-head">
        <button type="button" className="pin-sheet-close" onClick={props.onClose} aria-label={t('common.close')}>
          ×
        </button>
        <h3>{t('pin.title')}</h3>
      </div>
      <div className="pin-sheet-purpose">{props.purpose}</div>
      <div className="pin-dots" aria-label={t('pin.entered', { count: digits.length })}>
        {Array.from({ length: PIN_LENGTH }, (_, index) => (
          <span key={index} className={`pin-dot ${index < digits.length ? 'pin-dot-filled' : ''}`} />
        ))}
      </div>
      <div className="pin-sheet-status">
        {busy ? <SpinLoading style={{ '--size': '24px' }} /> : <Refusal error={error} />}
      </div>
      <div className="pin-pad" role="group" aria-label={t('pin.keypad')}>
        {KEYS.map((key, index) => (
          <button
            type="button"
            key={index}
            className="pin-key"
            disabled={key === '' || busy}
            aria-label={key === 'delete' ? t('pin.delete') : key === '' ? undefined : `pin ${key}`}
            onClick={() => press(key)}
          >
            {key === 'delete' ? '⌫' : key}
          </button>
        ))}
      </div>
    </Popup>
  );
}

/** What a screen needs to ask for the PIN: open it with a purpose and what to do with the PIN. */
export function usePinSheet() {
  const [request, setRequest] = useState<{ purpose: ReactNode; onPin: PinSheetProps['onPin'] } | null>(null);
  const sheet = (
    <PinSheet
      visible={request !== null}
      purpose={request?.purpose}
      onPin={(pin) => request?.onPin(pin) ?? Promise.resolve(null)}
      onClose={() => setRequest(null)}
    />
  );
  return { sheet, ask: (purpose: ReactNode, onPin: PinSheetProps['onPin']) => setRequest({ purpose, onPin }) };
}
