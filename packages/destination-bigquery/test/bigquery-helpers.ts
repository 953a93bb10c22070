import { OAuth2Client } from 'google-auth-library'

/** An auth client holding a fake access token: the library never asks Google (or a metadata server) for one. */
export function fakeAuthClient(token = 'fake-token'): OAuth2Client {
  const client = new OAuth2Client()
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 24 * 3600 * 1000 })
  return client
}
