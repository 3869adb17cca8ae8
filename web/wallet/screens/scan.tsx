// Scan: the camera (getUserMedia, frames decoded by jsQR), an uploaded image as the fallback, or
// the code typed. A red packet link opens the packet; anything else is asked of the server
// (POST /v1/codes/scan), and a collection code or an order opens the pay screen.
import { Button, Input, Toast } from 'antd-mobile';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError } from '../../shared/api';
import { walletApi, type ScannedCode } from '../api';
import { Page } from '../components/page';
import { Refusal } from '../components/refusal';
import { navigate } from '../router';
import { decodeQrFile, drawScaled, loadQrDecoder } from '../scan-image';
import { useText } from '../text';

/** Camera frames are decoded this often: quick enough to feel instant, light on a phone's battery. */
const FRAME_INTERVAL_MS = 200;
const RED_PACKET_LINK = /#\/red-packets\/(rp_[A-Za-z0-9_-]+)/;

/** What the pay screen shows first, before it reads the code again itself. */
export const scannedCodes = new Map<string, ScannedCode>();

type CameraState = 'starting' | 'on' | 'unavailable' | 'denied' | 'off';

function useCamera(onText: (text: string) => void) {
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<CameraState>('starting');
  useEffect(() => {
    if (!navigator.mediaDevices?.getUserMedia) {
      // Browsers offer the camera only to secure pages (https or localhost).
      setState('unavailable');
      return;
    }
    let stream: MediaStream | null = null;
    let timer = 0;
    let stopped = false;
    const canvas = document.createElement('canvas');
    const stop = () => {
      stopped = true;
      window.clearInterval(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false }).then(
      async (opened) => {
        if (stopped) return opened.getTracks().forEach((track) => track.stop());
        stream = opened;
        const decodeQr = await loadQrDecoder();
        const element = video.current;
        if (!element) return;
        element.srcObject = opened;
        await element.play().catch(() => undefined);
        setState('on');
        timer = window.setInterval(() => {
          if (element.videoWidth === 0) return;
          drawScaled(canvas, element, element.videoWidth, element.videoHeight);
          const text = decodeQr(canvas, 'dontInvert');
          if (text !== null) {
            stop();
            setState('off');
            onText(text);
          }
        }, FRAME_INTERVAL_MS);
      },
      (error: unknown) => {
        const denied = error instanceof DOMException && error.name === 'NotAllowedError';
        setState(denied ? 'denied' : 'unavailable');
      },
    );
    return stop;
  }, [onText]);
  return { video, state };
}

export function ScanScreen() {
  const t = useText();
  const [error, setError] = useState<ApiError | null>(null);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);

  const open = useCallback(async (text: string) => {
    setError(null);
    const packet = RED_PACKET_LINK.exec(text);
    if (packet) return navigate(`/red-packets/${packet[1]}`);
    setBusy(true);
    const scanned = await walletApi.scan(text.trim());
    setBusy(false);
    if (!scanned.ok) return setError(scanned.error);
    scannedCodes.set(scanned.value.code, scanned.value);
    navigate(`/pay/${encodeURIComponent(scanned.value.code)}`);
  }, []);
  const camera = useCamera(open);

  const upload = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    const text = await decodeQrFile(file);
    setBusy(false);
    if (text === null) return Toast.show({ content: t('scan.noCodeInImage'), icon: 'fail' });
    await open(text);
  };

  return (
    <Page title={t('scan.title')} tone="dark">
      <div className="scan-viewport">
        <video ref={camera.video} className="scan-video" playsInline muted aria-label={t('scan.camera')} />
        <div className="scan-frame" aria-hidden />
        {camera.state !== 'on' && <p className="scan-camera-note">{t(`scan.camera.${camera.state}`)}</p>}
      </div>
      <div className="scan-tools">
        <label className="scan-upload">
          <input
            type="file"
            accept="image/*"
            data-testid="scan-upload"
            onChange={(event) => void upload(event.target.files?.[0])}
          />
          <span className="adm-button adm-button-primary adm-button-block adm-button-shape-rounded scan-upload-button">
            {t('scan.upload')}
          </span>
        </label>
        <div className="scan-typed">
          <Input value={typed} onChange={setTyped} placeholder={t('scan.typeHint')} clearable />
          <Button
            color="primary"
            fill="outline"
            disabled={typed.trim() === ''}
            loading={busy}
            onClick={() => void open(typed)}
          >
            {t('scan.open')}
          </Button>
        </div>
        <Refusal error={error} />
      </div>
    </Page>
  );
}
