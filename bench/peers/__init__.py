"""Side by side with the peers: Terraform + terraform-provider-alicloud (built by build.sh from
the Go module proxy) and this provider doing the same work against the same emulator."""
