import { FUNCTIONS } from '../../infra/function-catalog';
import { createPaymentBody } from '../../shared/http/api-schemas';
import { paymentConfig, phonePeClientFactory, tableNames } from '../../shared/config/app-config';
import { apiHandler } from '../../shared/http/api-handler';
import { parseJsonBody } from '../../shared/http/middleware';
import { principalFromEvent } from '../../shared/http/principal';
import { json } from '../../shared/http/responses';
import { createRentPayment } from '../../shared/payments/create-rent-payment';
import { presentPayment } from '../../shared/payments/present';
import { DynamoDirectoryRepository } from '../../shared/repositories/directory-repository';
import { documentClient } from '../../shared/repositories/dynamodb';
import { DynamoPaymentRepository } from '../../shared/repositories/payment-repository';

const config = paymentConfig();
const directory = new DynamoDirectoryRepository(documentClient, tableNames.directory());
const payments = new DynamoPaymentRepository(documentClient, tableNames.payments());
const phonepe = phonePeClientFactory();

/** POST /api/payments/ (tenant): start or resume the rent payment of a unit for a period. */
export const handler = apiHandler(async (event) => {
  const principal = principalFromEvent(event);
  const body = parseJsonBody(event, createPaymentBody);
  const result = await createRentPayment(
    {
      directory,
      payments,
      phonepe: await phonepe(),
      redirectUrl: config.PAYMENT_REDIRECT_URL,
      orderExpirySeconds: config.PAYMENT_ORDER_EXPIRY_SECONDS,
      // No create attempt outlives this function's timeout.
      createAttemptSeconds: FUNCTIONS.createPayment.timeoutSeconds,
      now: () => new Date(),
    },
    principal,
    { unitId: body.unit_id, period: body.period },
  );
  return json(result.created ? 201 : 200, presentPayment(result.payment));
});
