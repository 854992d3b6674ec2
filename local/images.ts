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
