// The guide's example "Microservices Communication" (services/order-service.ts), as written there.
// Run it against Prism and a local API: npm run examples -- microservices
import { M2MClient } from '@passflow/core';
import axios from 'axios';
import { isMain } from './support/is-main.js';

class OrderService {
  private m2m: M2MClient;
  private httpClient: typeof axios;

  constructor() {
    this.m2m = new M2MClient({
      url: process.env.PASSFLOW_URL!,
      clientId: process.env.ORDER_SERVICE_CLIENT_ID!,
      clientSecret: process.env.ORDER_SERVICE_CLIENT_SECRET!,
      scopes: ['orders:write', 'inventory:read', 'payments:process'],
      autoRefresh: true,
    });

    // As printed in the guide, this assignment does not type-check: axios.create() returns an AxiosInstance,
    // not `typeof axios` (and INTERNAL_API_URL may be undefined under exactOptionalPropertyTypes). It runs.
    // @ts-expect-error
    this.httpClient = axios.create({
      baseURL: process.env.INTERNAL_API_URL,
      timeout: 5000,
    });

    // Add auth interceptor
    this.httpClient.interceptors.request.use(async (config) => {
      const token = await this.m2m.getValidToken();
      config.headers.Authorization = `Bearer ${token.access_token}`;
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

// --- tsx examples/microservices.ts ---
if (isMain(import.meta)) {
  const order = await orderService.createOrder({ productId: 'sku-42', quantity: 2, totalAmount: 59.9 });
  console.log(
    `created order ${order.id} (payment ${order.paymentId}) for ${order.quantity} x ${order.productId}`,
  );
}
