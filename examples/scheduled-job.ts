// The guide's example "Scheduled Jobs" (jobs/sync-data.ts), as written there.
// Run it against Prism and a local API: npm run examples -- scheduled-job
// (with EXAMPLE_RUN_ONCE set, as the runner does, the job runs once and the process exits).
import { M2MClient, M2MError } from '@passflow/core';
import { CronJob } from 'cron';

const m2m = new M2MClient({
  url: process.env.PASSFLOW_URL!,
  clientId: process.env.SYNC_JOB_CLIENT_ID!,
  clientSecret: process.env.SYNC_JOB_CLIENT_SECRET!,
  scopes: ['data:sync', 'reports:write'],
  retries: 5,
  retryDelay: 2000,
});

async function syncData(): Promise<void> {
  console.log('Starting data sync job...');

  try {
    const token = await m2m.getToken();

    // Fetch data from external API
    const externalData = await fetch('https://external-api.com/data', {
      headers: { Authorization: `Bearer ${token.access_token}` },
    });

    // Process and store data
    const data = await externalData.json();
    await processAndStoreData(data);

    console.log(`Sync completed: ${data.length} records processed`);
  } catch (error) {
    if (error instanceof M2MError) {
      console.error(`M2M authentication failed: ${error.code} - ${error.message}`);
      // Send alert to monitoring
      await sendAlert('M2M auth failure in sync job', error);
    } else {
      console.error('Sync job failed:', error);
    }
    throw error;
  }
}

// Run every hour
const job = new CronJob('0 * * * *', syncData);
job.start();

// --- Stand-ins for the application's own code, left out of the guide ---
async function processAndStoreData(data: unknown[]): Promise<void> {
  console.log(`storing ${data.length} records`);
}

async function sendAlert(message: string, error: M2MError): Promise<void> {
  console.error(`ALERT: ${message} (${error.code})`);
}

// --- Test mode: run the job once, now, and stop the schedule so the process exits ---
if (process.env.EXAMPLE_RUN_ONCE) {
  try {
    await job.fireOnTick();
  } finally {
    await job.stop();
  }
}
