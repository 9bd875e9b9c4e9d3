/** The API's shapes the console reads (docs/openapi.json has them all). */
export interface PayoutRow {
  id: string;
  payment_id: string;
  owner_id: string;
  owner_name: string;
  unit_id: string;
  unit_number: string | null;
  amount: string;
  status: string;
  beneficiary_type: 'bank' | 'upi' | null;
  cashfree_transfer_id: string | null;
  cashfree_utr: string | null;
  retry_count: number;
  initiated_at: string;
  completed_at: string | null;
  error_message: string;
  needs_attention: boolean;
}

export interface PayoutPage {
  next: string | null;
  previous: string | null;
  results: PayoutRow[];
}

export interface Attempt {
  attempt: number;
  transfer_id: string;
  cashfree_status: string;
  status_code: string | null;
  description: string | null;
  utr: string | null;
  requested_at: string;
  updated_at: string;
}

export interface PayoutDetail extends Omit<PayoutRow, 'unit_number'> {
  duplicate_payment: boolean;
  attempts: Attempt[];
}

export interface Payment {
  id: string;
  unit_id: string;
  tenant_id: string;
  owner_id: string;
  period: string;
  amount: string;
  status: string;
  merchant_order_id: string;
  created_at: string;
  completed_at: string | null;
  flags: string[];
  refunds: { merchant_refund_id: string; state: string; amount: string | null; recorded_at: string }[];
  duplicate_of?: string | null;
  phonepe_amount?: string | null;
}

export interface PaymentPage {
  next: string | null;
  previous: string | null;
  results: Payment[];
}

export interface MaskedDetails {
  payment_method: 'bank' | 'upi' | null;
  bank_name: string;
  account_number: string;
  ifsc_code: string;
  upi_id: string;
}

export interface DetailsChange {
  changed_by: string;
  changed_at: string;
  old: MaskedDetails | null;
  new: MaskedDetails;
}

export interface Execution {
  run: number;
  name: string;
  execution_arn: string;
  status: string;
  start_date: string | null;
  stop_date: string | null;
  error: string | null;
  cause: string | null;
  console_url: string | null;
}

export interface Summary {
  by_status: Record<string, { count: number; amount: string }>;
  total: { count: number; amount: string };
}

export interface Owner {
  id: string;
  name: string;
  email: string;
  phone: string;
  created_at: string;
}
export interface Property {
  id: string;
  owner_id: string;
  name: string;
  address: string;
  created_at: string;
}
export interface Unit {
  id: string;
  property_id: string;
  owner_id: string;
  unit_number: string;
  rent: string;
  created_at: string;
}
export interface Tenant {
  id: string;
  name: string;
  email: string;
  phone: string;
  unit_id: string | null;
  created_at: string;
}
