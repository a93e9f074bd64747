/**
 * Which PostgreSQL 17 settings need a server restart, read off a real server with
 * `SELECT name FROM pg_settings WHERE context = 'postmaster'` (an integration test re-checks this
 * list against the image). Everything else core PostgreSQL knows is applied by a reload.
 */
export const RESTART_SETTINGS: ReadonlySet<string> = new Set([
  "archive_mode", "autovacuum_freeze_max_age", "autovacuum_max_workers",
  "autovacuum_multixact_freeze_max_age", "bonjour", "bonjour_name", "cluster_name",
  "commit_timestamp_buffers", "config_file", "data_directory", "data_sync_retry", "debug_io_direct",
  "dynamic_shared_memory_type", "event_source", "external_pid_file", "hba_file", "hot_standby",
  "huge_page_size", "huge_pages", "ident_file", "ignore_invalid_pages", "jit_provider",
  "listen_addresses", "logging_collector", "max_connections", "max_files_per_process",
  "max_locks_per_transaction", "max_logical_replication_workers", "max_notify_queue_pages",
  "max_pred_locks_per_transaction", "max_prepared_transactions", "max_replication_slots",
  "max_wal_senders", "max_worker_processes", "min_dynamic_shared_memory", "multixact_member_buffers",
  "multixact_offset_buffers", "notify_buffers", "port", "recovery_target", "recovery_target_action",
  "recovery_target_inclusive", "recovery_target_lsn", "recovery_target_name", "recovery_target_time",
  "recovery_target_timeline", "recovery_target_xid", "reserved_connections", "serializable_buffers",
  "shared_buffers", "shared_memory_type", "shared_preload_libraries", "subtransaction_buffers",
  "superuser_reserved_connections", "trace_connection_negotiation", "track_activity_query_size",
  "track_commit_timestamp", "transaction_buffers", "unix_socket_directories", "unix_socket_group",
  "unix_socket_permissions", "wal_buffers", "wal_decode_buffer_size", "wal_level", "wal_log_hints",
]);

/** Read-only settings PostgreSQL reports but never accepts in a configuration file. */
export const INTERNAL_SETTINGS: ReadonlySet<string> = new Set([
  "block_size", "data_checksums", "data_directory_mode", "debug_assertions", "huge_pages_status",
  "in_hot_standby", "integer_datetimes", "max_function_args", "max_identifier_length",
  "max_index_keys", "segment_size", "server_encoding", "server_version", "server_version_num",
  "shared_memory_size", "shared_memory_size_in_huge_pages", "ssl_library", "wal_block_size",
  "wal_segment_size",
]);

/**
 * True when changing `name` takes a restart. Settings of extensions (`name` contains a dot) are
 * unknown here, so they are treated as needing one: a restart always applies a setting, a reload
 * might silently not.
 */
export function requiresRestart(name: string): boolean {
  return RESTART_SETTINGS.has(name) || name.includes(".");
}
