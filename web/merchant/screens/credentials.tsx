// The merchant's API apps — the app id its servers send, the public key they sign with, where
// webhooks go — and the platform's key for checking the webhooks' signatures. Read only: the
// operator registers apps.
import { useLocale } from '../../shared/i18n';
import { api, PORTAL, type Credentials } from '../api';
import { Page, Refusal, useLoad } from '../components/common';
import { formatTime } from '../format';
import { useText } from '../text';

export function CredentialsScreen() {
  const t = useText();
  const { locale } = useLocale();
  const loaded = useLoad(() => api.get<Credentials>(`${PORTAL}/credentials`), []);
  const credentials = loaded.value;
  return (
    <Page title={t('navCredentials')}>
      <Refusal error={loaded.error} />
      {credentials && (
        <>
          <div className="panel">
            <dl className="fields">
              <div>
                <dt>{t('merchantId')}</dt>
                <dd>
                  <code>{credentials.merchant_id}</code>
                </dd>
              </div>
            </dl>
          </div>
          <div className="panel">
            <h2>{t('credentials')}</h2>
            {credentials.apps.length === 0 && <p className="muted">{t('noApps')}</p>}
            {credentials.apps.map((app) => (
              <dl className="fields app" key={app.app_id} data-app-id={app.app_id}>
                <div>
                  <dt>{t('appId')}</dt>
                  <dd>
                    <code>{app.app_id}</code>
                  </dd>
                </div>
                <div>
                  <dt>{t('keyAlgorithm')}</dt>
                  <dd>{app.key_algorithm}</dd>
                </div>
                <div>
                  <dt>{t('webhookUrl')}</dt>
                  <dd>{app.webhook_url ?? '—'}</dd>
                </div>
                <div>
                  <dt>{t('createdAt')}</dt>
                  <dd>{formatTime(app.created_at, locale)}</dd>
                </div>
                <div className="span">
                  <dt>{t('publicKey')}</dt>
                  <dd>
                    <pre>{app.public_key_pem}</pre>
                  </dd>
                </div>
              </dl>
            ))}
          </div>
          <div className="panel">
            <h2>{t('platformKey')}</h2>
            <p className="muted">{credentials.platform_webhook_key.algorithm}</p>
            <pre>{credentials.platform_webhook_key.public_key_pem}</pre>
          </div>
        </>
      )}
    </Page>
  );
}
