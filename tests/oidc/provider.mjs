// A real OpenID Connect provider for the single sign-on test, on 127.0.0.1 only. Its development
// login screen accepts any login name (the password field is ignored); the account's e-mail claim is
// "<login>@example.test", so the test signs in as a person the app knows by that e-mail.
// Usage: node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI
import Provider from "oidc-provider";

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ["authorization_code"],
    response_types: ["code"],
  }],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "preferred_username"] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: `${id}@example.test`, email_verified: true, name: id, preferred_username: id };
      },
    };
  },
  // Streamlit reads who signed in from the ID token: put the scopes' claims there.
  conformIdTokenClaims: false,
  // The app is the only client and asks for these scopes: no consent screen beyond the development one.
  pkce: { required: () => false },
});
provider.listen(Number(port), "127.0.0.1", () => console.log(`oidc-provider listening on ${issuer}`));
