# The external anchor for signed audit checkpoints: objects can be written but, under the retention
# policy, not deleted or replaced until they expire, by anyone, including project owners once locked.
resource "google_storage_bucket" "checkpoints" {
  name                        = "${var.project_id}-${var.name}-audit-checkpoints"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  retention_policy {
    retention_period = var.checkpoint_retention_days * 86400
    is_locked        = var.checkpoint_retention_locked
  }

  depends_on = [google_project_service.enabled]
}

# Create only: the sealer adds checkpoints; it cannot delete or overwrite (that needs delete).
resource "google_storage_bucket_iam_member" "sealer_write" {
  for_each = local.sealer_workloads
  bucket   = google_storage_bucket.checkpoints.name
  role     = "roles/storage.objectCreator"
  member   = google_service_account.workload[each.key].member
}

# The sealer reads the previous checkpoint to chain the next one to it.
resource "google_storage_bucket_iam_member" "sealer_read" {
  for_each = local.sealer_workloads
  bucket   = google_storage_bucket.checkpoints.name
  role     = "roles/storage.objectViewer"
  member   = google_service_account.workload[each.key].member
}
