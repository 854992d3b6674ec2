import { PutImageCommand, type ECRClient } from '@aws-sdk/client-ecr';

/**
 * Pushes a small single-platform image manifest to an emulated repository and returns its digest.
 * The emulator derives an image's digest from its layer digests, so `layer` (a number unique per
 * image) gives each push a fresh image.
 */
export async function pushImage(
  ecr: ECRClient,
  repositoryName: string,
  layer: number,
  tag?: string,
): Promise<string> {
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: 7,
      digest: `sha256:${'c'.repeat(64)}`,
    },
    layers: [
      {
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: 1,
        digest: `sha256:${layer.toString(16).padStart(64, 'a')}`,
      },
    ],
  };
  const { image } = await ecr.send(
    new PutImageCommand({
      repositoryName,
      imageManifest: JSON.stringify(manifest),
      ...(tag ? { imageTag: tag } : {}),
    }),
  );
  return image!.imageId!.imageDigest!;
}

/**
 * Pushes an OCI image manifest; with `subject`, a signature of that image (Notation's artifact type),
 * as `notation sign` pushes it: untagged, naming its image in `subject`. The emulator stores the
 * manifest as given and derives the digest from the layers, like `pushImage`.
 */
export async function pushOciImage(
  ecr: ECRClient,
  repositoryName: string,
  layer: number,
  options: { tag?: string; subject?: string } = {},
): Promise<string> {
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  const manifest = {
    schemaVersion: 2,
    mediaType,
    ...(options.subject ? { artifactType: 'application/vnd.cncf.notary.signature' } : {}),
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      size: 2,
      digest: `sha256:${'c'.repeat(64)}`,
    },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        size: 1,
        digest: `sha256:${layer.toString(16).padStart(64, 'b')}`,
      },
    ],
    ...(options.subject ? { subject: { mediaType, size: 100, digest: options.subject } } : {}),
  };
  const { image } = await ecr.send(
    new PutImageCommand({
      repositoryName,
      imageManifest: JSON.stringify(manifest),
      ...(options.tag ? { imageTag: options.tag } : {}),
    }),
  );
  return image!.imageId!.imageDigest!;
}
