// What a Node.js 20 function of the seed loads at init: its SDK clients,
// built once, and a handler that answers a request it rejects (no I/O), as
// the Rust functions do in the benchmark.
import Stripe from 'stripe';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY);
const dynamodb = new DynamoDBClient({});
const sfn = new SFNClient({});

export const handler = async (event) => {
  const body = JSON.parse(event.body ?? '{}');
  const clients = [stripe, dynamodb, sfn].length;
  return {
    statusCode: 400,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      error: { code: 'VALIDATION_FAILED', message: `missing fields in ${Object.keys(body).length} given`, clients },
    }),
  };
};
