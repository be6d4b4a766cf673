// The guide's example "Microservices Communication" (services/order-service.ts), with its axios
// interceptor rewritten around m2m.authorizationHeaders() and sender-constrained (DPoP) tokens on:
// every call carries `Authorization: DPoP <token>` and a proof signed for that one request.
// Run it against oidc-provider and a resource server that checks each proof:
//   npm run examples -- microservices-dpop
import { M2MClient } from '@passflow/core';
import axios, { type AxiosInstance } from 'axios';
import { isMain } from './support/is-main.js';

class OrderService {
  private m2m: M2MClient;
  private httpClient: AxiosInstance;

  constructor() {
    this.m2m = new M2MClient({
      url: process.env.PASSFLOW_URL!,
      clientId: process.env.ORDER_SERVICE_CLIENT_ID!,
      clientSecret: process.env.ORDER_SERVICE_CLIENT_SECRET!,
      scopes: ['orders:write', 'inventory:read', 'payments:process'],
      autoRefresh: true,
      // A key pair made at first use; tokens are bound to it, so a stolen token is useless alone.
      dpop: true,
    });

    this.httpClient = axios.create({
      baseURL: process.env.INTERNAL_API_URL!,
      timeout: 5000,
    });

    // Add auth interceptor: the headers for this method and URL (a DPoP proof is bound to both)
    this.httpClient.interceptors.request.use(async (config) => {
      const url = this.httpClient.getUri(config);
      const { authorization, dpop } = await this.m2m.authorizationHeaders(config.method ?? 'get', url);
      config.headers.Authorization = authorization;
      if (dpop) config.headers.DPoP = dpop;
      return config;
    });
  }

  async createOrder(orderData: CreateOrderRequest): Promise<Order> {
    // Check inventory
    const inventory = await this.httpClient.get(`/inventory/${orderData.productId}`);

    if (inventory.data.quantity < orderData.quantity) {
      throw new Error('Insufficient inventory');
    }

    // Process payment
    const payment = await this.httpClient.post('/payments', {
      amount: orderData.totalAmount,
      currency: 'USD',
    });

    // Create order
    const order = await this.httpClient.post('/orders', {
      ...orderData,
      paymentId: payment.data.id,
    });

    return order.data;
  }
}

export const orderService = new OrderService();

// --- Stand-ins for the application's own code, left out of the guide ---
export type CreateOrderRequest = { productId: string; quantity: number; totalAmount: number };
export type Order = CreateOrderRequest & { id: string; paymentId: string };

// --- tsx examples/microservices-dpop.ts ---
if (isMain(import.meta)) {
  const order = await orderService.createOrder({ productId: 'sku-42', quantity: 2, totalAmount: 59.9 });
  console.log(
    `created order ${order.id} (payment ${order.paymentId}) for ${order.quantity} x ${order.productId}, with DPoP-bound tokens`,
  );
}
