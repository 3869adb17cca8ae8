// Chinese and English text: zh-CN by default (the demo providers are Chinese), English at a
// switch, and the choice remembered in localStorage. Each app keeps its own dictionary; a Chinese
// dictionary names the keys and the English one must have every one of them (the type says so).
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

export type Locale = 'zh-CN' | 'en';
export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];
const STORAGE_KEY = 'saoma.locale';

export type Dictionary = Record<string, string>;
export type Dictionaries<Zh extends Dictionary> = { 'zh-CN': Zh; en: Record<keyof Zh, string> };
/** Values for `{name}` placeholders. */
export type TextValues = Record<string, string | number>;

function rememberedLocale(): Locale {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored === 'en' || stored === 'zh-CN' ? stored : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

interface LocaleState {
  locale: Locale;
  setLocale(locale: Locale): void;
}

const LocaleContext = createContext<LocaleState>({ locale: 'zh-CN', setLocale: () => undefined });

export function LocaleProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(rememberedLocale);
  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    document.documentElement.lang = next;
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }, []);
  const state = useMemo(() => ({ locale, setLocale }), [locale, setLocale]);
  return <LocaleContext.Provider value={state}>{children}</LocaleContext.Provider>;
}

export const useLocale = (): LocaleState => useContext(LocaleContext);

export function fillIn(text: string, values: TextValues = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** A hook giving `t(key, values)` for one app's dictionaries. */
export function translatorFor<Zh extends Dictionary>(dictionaries: Dictionaries<Zh>) {
  return function useText() {
    const { locale } = useLocale();
    return useCallback(
      (key: keyof Zh & string, values?: TextValues) => fillIn(dictionaries[locale][key] as string, values),
      [locale],
    );
  };
}

/** The 中文 / English switch. */
export function LanguageSwitch({ className }: { className?: string }) {
  const { locale, setLocale } = useLocale();
  const next: Locale = locale === 'zh-CN' ? 'en' : 'zh-CN';
  return (
    <button
      type="button"
      className={className ?? 'saoma-language-switch'}
      onClick={() => setLocale(next)}
      aria-label={next === 'en' ? 'Switch to English' : '切换到中文'}
    >
      {next === 'en' ? 'English' : '中文'}
    </button>
  );
}

/**
 * A short title for the API's error codes, above the server's own sentence (which is English):
 * the title says what happened in the reader's language, the sentence gives the particulars.
 */
const ERROR_TITLES: Record<string, { 'zh-CN': string; en: string }> = {
  network_error: { 'zh-CN': '网络连接失败', en: 'No connection' },
  internal_error: { 'zh-CN': '服务器出错了', en: 'Server error' },
  unauthorized: { 'zh-CN': '请先登录', en: 'Please log in' },
  invalid_request: { 'zh-CN': '填写有误', en: 'Please check the form' },
  invalid_credentials: { 'zh-CN': '手机号或密码不对', en: 'Wrong phone or password' },
  phone_taken: { 'zh-CN': '手机号已注册', en: 'Phone already registered' },
  provider_required: { 'zh-CN': '请选择钱包', en: 'Choose a wallet provider' },
  account_frozen: { 'zh-CN': '账户已冻结', en: 'Account frozen' },
  wrong_pin: { 'zh-CN': '支付密码错误', en: 'Wrong payment PIN' },
  pin_locked: { 'zh-CN': '支付密码已锁定', en: 'Payment PIN locked' },
  pin_not_set: { 'zh-CN': '尚未设置支付密码', en: 'No payment PIN yet' },
  pin_required: { 'zh-CN': '需要支付密码', en: 'PIN needed' },
  insufficient_balance: { 'zh-CN': '余额不足', en: 'Balance too low' },
  tier_limit_exceeded: { 'zh-CN': '超出账户限额', en: 'Above your account limit' },
  card_declined: { 'zh-CN': '银行卡被拒', en: 'Card declined' },
  card_details_mismatch: { 'zh-CN': '银行卡信息不符', en: 'Card details do not match' },
  card_holder_mismatch: { 'zh-CN': '持卡人不是本人', en: 'Not your card' },
  real_name_required: { 'zh-CN': '请先实名认证', en: 'Verify your real name first' },
  invalid_id_number: { 'zh-CN': '身份证号无效', en: 'Invalid ID number' },
  credit_card_not_allowed: { 'zh-CN': '不支持信用卡', en: 'Credit cards not allowed here' },
  fee_changed: { 'zh-CN': '手续费有变化', en: 'The fee changed' },
  payee_not_found: { 'zh-CN': '找不到收款人', en: 'Payee not found' },
  cross_provider_not_supported: { 'zh-CN': '暂不支持跨钱包转账', en: 'Not across providers yet' },
  personal_receive_limit: { 'zh-CN': '收款码已达月度上限', en: 'Receive code limit reached' },
  code_not_found: { 'zh-CN': '无法识别的付款码', en: 'Not a payment code' },
  amount_required: { 'zh-CN': '请输入金额', en: 'Enter the amount' },
  order_paid: { 'zh-CN': '订单已支付', en: 'Order already paid' },
  order_closed: { 'zh-CN': '订单已关闭', en: 'Order closed' },
  order_expired: { 'zh-CN': '订单已过期', en: 'Order expired' },
  order_being_paid: { 'zh-CN': '订单正在支付', en: 'Order being paid' },
  merchant_unavailable: { 'zh-CN': '商户暂停收款', en: 'Merchant unavailable' },
  red_packet_empty: { 'zh-CN': '红包已被抢完', en: 'All shares taken' },
  red_packet_expired: { 'zh-CN': '红包已过期', en: 'Red packet expired' },
  red_packet_not_for_you: { 'zh-CN': '这个红包不是给你的', en: 'Not your red packet' },
  red_packet_not_found: { 'zh-CN': '找不到这个红包', en: 'Red packet not found' },
  idempotency_conflict: { 'zh-CN': '重复的请求', en: 'Duplicate request' },
  ledger_overloaded: { 'zh-CN': '系统繁忙，请稍后再试', en: 'Busy: try again shortly' },
};

export function errorTitle(code: string, locale: Locale): string {
  return ERROR_TITLES[code]?.[locale] ?? (locale === 'zh-CN' ? '操作未成功' : 'Not done');
}
