'use strict';
document.getElementById('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const r = await fetch('/api/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      username: document.getElementById('username').value,
      password: document.getElementById('password').value,
    }),
  });
  if (r.ok) {
    const next = new URLSearchParams(location.search).get('next');
    // only a local path: never send the user to another site after signing in
    location.href = next && /^\/[a-z]*$/.test(next) ? next : '/review';
  } else {
    document.getElementById('login-error').textContent = 'Wrong user name or password.';
  }
});
