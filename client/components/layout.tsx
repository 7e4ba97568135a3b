/**
 * The frame around every page but the meeting room: the header with the site's sections (a menu
 * button opens them at phone width), the light/dark switch, who is signed in, and a skip link.
 */
import { useSignal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { currentPath, onLinkClick } from "../lib/router.ts";
import { currentUser, logOut, requireUser } from "../lib/session.ts";
import { theme, toggleTheme } from "../lib/theme.ts";
import { MenuIcon, MoonIcon, SunIcon } from "./icons.tsx";

/** Sets the tab's title for a page. */
export function useTitle(title: string) {
  useEffect(() => {
    document.title = title ? `${title} · Dictate` : "Dictate";
  }, [title]);
}

export function ThemeToggle() {
  const dark = theme.value === "dark";
  return (
    <button type="button" class="icon-button" aria-label={dark ? "Switch to light mode" : "Switch to dark mode"} title={dark ? "Light mode" : "Dark mode"} onClick={toggleTheme}>
      {dark ? <SunIcon /> : <MoonIcon />}
    </button>
  );
}

function NavLink({ href, children }: { href: string; children: ComponentChildren }) {
  const path = currentPath.value;
  const here = path === href || path.startsWith(href + "/");
  return (
    <a href={href} onClick={onLinkClick} aria-current={here ? "page" : undefined}>
      {children}
    </a>
  );
}

export function Layout({ children, title }: { children: ComponentChildren; title: string }) {
  useTitle(title);
  const open = useSignal(false);
  const user = currentUser.value;
  // A followed link closes the phone menu.
  useEffect(() => {
    open.value = false;
  }, [currentPath.value]);
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="site-header">
        <a href="/" class="brand" onClick={onLinkClick}>
          Dictate
        </a>
        <button type="button" class="icon-button menu-toggle" aria-expanded={open.value} aria-controls="site-nav" aria-label={open.value ? "Close menu" : "Open menu"} onClick={() => (open.value = !open.value)}>
          <MenuIcon />
        </button>
        <nav id="site-nav" class={open.value ? "site-nav open" : "site-nav"} aria-label="Main">
          {user && (
            <>
              <NavLink href="/calendar">Calendar</NavLink>
              <NavLink href="/teams">Teams</NavLink>
              <NavLink href="/resources">Resources</NavLink>
            </>
          )}
          <span class="nav-spacer" />
          {user ? (
            <>
              <NavLink href="/profile">{user.displayName}</NavLink>
              <button type="button" class="link-button" onClick={() => void logOut()}>
                Log out
              </button>
            </>
          ) : user === null ? (
            <>
              <NavLink href="/login">Log in</NavLink>
              <NavLink href="/signup">Sign up</NavLink>
            </>
          ) : null}
          <ThemeToggle />
        </nav>
      </header>
      <main id="main" tabIndex={-1} class="page">
        {children}
      </main>
    </>
  );
}

/**
 * A page for signed-in people: `render` runs once the user is known; meanwhile "Loading…", and a
 * signed-out visitor is sent to log in (and brought back afterwards).
 */
export function SignedInPage({ title, render }: { title: string; render(): ComponentChildren }) {
  const user = requireUser();
  return (
    <Layout title={title}>
      {user ? (
        render()
      ) : (
        <p role="status" class="muted">
          Loading…
        </p>
      )}
    </Layout>
  );
}
