import { PostgresCluster } from "./components/PostgresCluster";
import { loadStackSettings } from "./config/loadStackSettings";

// Validate the whole stack config before declaring anything.
const settings = loadStackSettings();
const cluster = new PostgresCluster("pgstack", { settings });

export const primaryEndpoint = cluster.primaryEndpoint;
export const replicaEndpoints = cluster.replicaEndpoints;
export const pgbouncerEndpoint = cluster.pgbouncerEndpoint;
export const writeUrl = cluster.writeUrl;
export const readUrl = cluster.readUrl;
// Public: clients verify the servers with it (sslmode=verify-full).
export const caCertificate = cluster.caCertificate;
export const streaming = cluster.streaming.replicas;
export const backups = cluster.backups.summary;
// Where the alert rules and scrape config were written, and the exporters (pgstack:monitoring).
export const monitoring = cluster.monitoring?.summary;
