export { AZURITE_ACCOUNT, AZURITE_KEY, type Azurite, startAzurite } from './azurite-server.ts'
export {
  type FakeGcsRequest,
  type FakeServiceAccount,
  type GcsFake,
  startGcsFake,
} from './gcs-fake-server.ts'
export { type S3Server, startS3Server } from './s3-server.ts'
