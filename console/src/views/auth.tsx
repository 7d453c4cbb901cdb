// Register and sign in: the two public forms. Registering signs the new customer in at once.
import { api } from '../api';
import { href } from '../routes';
import { ErrorNote, navigate, Page, useApp, useFormSubmit } from './common';

type Token = { accessToken: string };

/** The email just registered, offered by the sign-in form that follows (never stored). */
let registeredEmail = '';

export function SignIn() {
  const app = useApp();
  const { busy, error, submit } = useFormSubmit(async (form) => {
    const { accessToken } = await api<Token>('POST', '/auth/token', { body: { email: form.get('email'), password: form.get('password') } });
    registeredEmail = '';
    app.signIn(accessToken);
  });
  return (
    <Page title="Sign in">
      <form class="card form narrow" onSubmit={submit}>
        {registeredEmail ? <p class="note note-info">Account created. Sign in to start shopping.</p> : null}
        <label for="signin-email">Email</label>
        <input id="signin-email" name="email" type="email" autocomplete="username" required defaultValue={registeredEmail} />
        <label for="signin-password">Password</label>
        <input id="signin-password" name="password" type="password" autocomplete="current-password" required />
        <ErrorNote message={error} />
        <button type="submit" class="primary" disabled={busy}>Sign in</button>
        <p>New here? <a href={href.register()}>Register</a></p>
      </form>
    </Page>
  );
}

export function Register() {
  const app = useApp();
  const { busy, error, submit } = useFormSubmit(async (form) => {
    const body = { name: form.get('name'), email: form.get('email'), password: form.get('password') };
    await api('POST', '/auth/register', { body });
    // Signing in stays a step of its own, as on any shop: the account exists, the password is theirs.
    registeredEmail = String(body.email);
    app.announce('Your account is ready. Sign in with your email and password.');
    navigate(href.signIn());
  });
  return (
    <Page title="Register">
      <form class="card form narrow" onSubmit={submit}>
        <label for="register-name">Name</label>
        <input id="register-name" name="name" autocomplete="name" required maxLength={200} />
        <label for="register-email">Email</label>
        <input id="register-email" name="email" type="email" autocomplete="email" required />
        <label for="register-password">Password</label>
        <input id="register-password" name="password" type="password" autocomplete="new-password" required minLength={8} aria-describedby="register-password-hint" />
        <small id="register-password-hint">At least 8 characters.</small>
        <ErrorNote message={error} />
        <button type="submit" class="primary" disabled={busy}>Register</button>
        <p>Have an account? <a href={href.signIn()}>Sign in</a></p>
      </form>
    </Page>
  );
}
