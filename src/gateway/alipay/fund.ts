// alipay.fund.trans.uni.transfer: the merchant pays a user of its wallet provider from its
// available balance (src/acquiring/merchant-transfers.ts), idempotent per out_biz_no. The payee
// is named by Saoma user id (ALIPAY_USER_ID) or by phone (ALIPAY_LOGON_ID, with the real name,
// which must match, as Alipay requires).
import type { User } from '../../identity/service.js';
import {
  answer,
  optionalText,
  requiredAmount,
  requiredText,
  type MethodContext,
  type MethodHandler,
} from './context.js';
import { businessFailure, fail, invalidParameter, missingParameter, type Outcome } from './errors.js';
import { beijingTime } from './wire.js';

const PRODUCT_CODES = ['TRANS_ACCOUNT_NO_PWD'];
const BIZ_SCENES = ['DIRECT_TRANSFER'];
const IDENTITY_TYPES = ['ALIPAY_USER_ID', 'ALIPAY_LOGON_ID'];

async function payeeOf(context: MethodContext): Promise<Outcome<User>> {
  const info = context.biz.payee_info;
  if (info === undefined || info === null) return missingParameter('payee_info');
  if (typeof info !== 'object' || Array.isArray(info)) return invalidParameter('fund', 'payee_info must be an object');
  const fields = info as Record<string, unknown>;
  const identity = requiredText(fields, 'identity', 'fund', 100);
  if (!identity.ok) return identity;
  const identityType = requiredText(fields, 'identity_type', 'fund', 32);
  if (!identityType.ok) return identityType;
  if (!IDENTITY_TYPES.includes(identityType.value)) {
    return invalidParameter('fund', `identity_type must be one of ${IDENTITY_TYPES.join(', ')}`);
  }
  const name = optionalText(fields, 'name', 'fund', 100);
  if (!name.ok) return name;
  const byPhone = identityType.value === 'ALIPAY_LOGON_ID';
  if (byPhone && name.value === undefined) return missingParameter('payee_info.name');
  const { identity: users } = context.modules;
  const payee = byPhone
    ? await users.findByPhone(context.merchant.providerId, identity.value)
    : await users.getUser(identity.value);
  if (!payee || payee.providerId !== context.merchant.providerId) {
    return fail('40004', 'PAYEE_NOT_EXIST', '收款账号不存在');
  }
  if (name.value !== undefined) {
    if (payee.realName === null) return fail('40004', 'PAYEE_NOT_RELNAME_CERTIFY', '收款方未实名认证');
    if (payee.realName !== name.value) return fail('40004', 'PAYEE_USERINFO_ERROR', '收款方姓名与账号不匹配');
  }
  return { ok: true, value: payee };
}

const uniTransfer: MethodHandler = async (context) => {
  const outBizNo = requiredText(context.biz, 'out_biz_no', 'fund', 64);
  if (!outBizNo.ok) return outBizNo;
  const amountFen = requiredAmount(context.biz, 'trans_amount', 'fund');
  if (!amountFen.ok) return amountFen;
  const productCode = requiredText(context.biz, 'product_code', 'fund', 64);
  if (!productCode.ok) return productCode;
  if (!PRODUCT_CODES.includes(productCode.value)) {
    return invalidParameter('fund', `product_code must be ${PRODUCT_CODES.join(' or ')}`);
  }
  const bizScene = optionalText(context.biz, 'biz_scene', 'fund', 64);
  if (!bizScene.ok) return bizScene;
  if (bizScene.value !== undefined && !BIZ_SCENES.includes(bizScene.value)) {
    return invalidParameter('fund', `biz_scene must be ${BIZ_SCENES.join(' or ')}`);
  }
  const title = optionalText(context.biz, 'order_title', 'fund', 128);
  if (!title.ok) return title;
  const payee = await payeeOf(context);
  if (!payee.ok) return payee;
  const done = await context.transfers.transfer(context.merchant, {
    outBizNo: outBizNo.value,
    amountFen: amountFen.value,
    payeeUserId: payee.value.id,
    title: title.value,
  });
  if (!done.ok) return businessFailure('fund', done.error);
  return answer({
    out_biz_no: done.value.outBizNo,
    order_id: done.value.id,
    pay_fund_order_id: done.value.id,
    status: 'SUCCESS',
    trans_date: beijingTime(done.value.completedAtMs ?? done.value.createdAtMs),
  });
};

export const fundMethods: Readonly<Record<string, MethodHandler>> = {
  'alipay.fund.trans.uni.transfer': uniTransfer,
};
