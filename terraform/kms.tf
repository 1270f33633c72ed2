# Signs audit checkpoints (design.md, tamper evidence). The private key never leaves Cloud KMS; the
# sealer asks KMS to sign, and `mcp-audit verify` checks against the public key.
resource "google_kms_key_ring" "audit" {
  name       = "${var.name}-audit"
  location   = var.region
  depends_on = [google_project_service.enabled]
}

resource "google_kms_crypto_key" "checkpoint_signing" {
  name     = "audit-checkpoint-signing"
  key_ring = google_kms_key_ring.audit.id
  purpose  = "ASYMMETRIC_SIGN"

  version_template {
    algorithm        = var.checkpoint_signing_algorithm
    protection_level = var.kms_protection_level
  }

  lifecycle {
    # Destroying the key would make every past checkpoint unverifiable.
    prevent_destroy = true
  }
}

resource "google_kms_crypto_key_iam_member" "sealer_sign" {
  for_each      = local.sealer_workloads
  crypto_key_id = google_kms_crypto_key.checkpoint_signing.id
  role          = "roles/cloudkms.signerVerifier"
  member        = google_service_account.workload[each.key].member
}
