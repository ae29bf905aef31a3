/** The page: the key gate, then the inbox or a task by the URL's hash. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { parseKey } from '@greenlight/core';
import { makeClient, makeSessionClient } from './client.ts';
import { ErrorBox } from './components/ErrorBox.tsx';
import { Header } from './components/Header.tsx';
import { HelpDialog } from './components/HelpDialog.tsx';
import { HoldBar } from './components/HoldBar.tsx';
import { KeyNotice } from './components/KeyNotice.tsx';
import { HoldsContext, makeHoldStore } from './hooks/useHolds.ts';
import { History } from './components/History.tsx';
import { Inbox } from './components/Inbox.tsx';
import { KeyEntry } from './components/KeyEntry.tsx';
import { TaskPage } from './components/TaskPage.tsx';
import { SlackLink } from './components/SlackLink.tsx';
import { useReload } from './hooks/useReload.ts';
import { useRoute } from './route.ts';
import { ViewerContext, viewerOf } from './viewer.ts';
import { CharacterKeys, useShortcuts } from './hooks/useShortcuts.ts';
import { clearKey, loadCharacterKeys, loadKey, loadUndoSeconds, saveCharacterKeys, saveKey, saveUndoSeconds } from './session.ts';
import { currentSignIn, signOut, type Credential } from './signin.ts';

type SignedInProps = { cred: Credential; onSignOut: () => void; onCharacterKeys: (on: boolean) => void };

function SignedIn({ cred, onSignOut, onCharacterKeys }: SignedInProps) {
  const client = useMemo(() => (cred.kind === 'key' ? makeClient(cred.key) : makeSessionClient(cred.view.csrf)), [cred]);
  const route = useRoute();
  const [help, setHelp] = useState(false);
  const [undoSeconds, setUndoSeconds] = useState(loadUndoSeconds);
  const workspace = useReload(() => client.workspaces.get.query());
  // One store of held decisions per signed-in page, above the router: a window keeps
  // running while the reviewer moves between views, and ends with the page (holds.ts).
  const holds = useMemo(makeHoldStore, [cred]);
  holds.setWindow(undoSeconds * 1000);
  useEffect(() => {
    // Closing or reloading the tab drops what is held (nothing is sent): the browser asks first.
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (holds.hasUnsent()) e.preventDefault();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      holds.dropAll();
    };
  }, [holds]);
  useShortcuts({
    '?': () => setHelp((h) => !h),
    Escape: () => setHelp(false),
    u: () => {
      const latest = holds.latestHeld();
      if (latest) holds.undo(latest.id);
    },
  });
  return (
    <HoldsContext.Provider value={holds}>
      <Header
        workspaceId={cred.kind === 'key' ? (parseKey(cred.key)?.workspaceId ?? '') : cred.view.workspaceId}
        workspace={workspace.data}
        signIn={cred.kind === 'session' ? cred.view : undefined}
        onHelp={() => setHelp(true)}
        onSignOut={onSignOut}
      />
      <ViewerContext.Provider value={viewerOf(workspace.data)}>
        <main>
          {workspace.error?.code === 'UNAUTHORIZED' && <ErrorBox error={workspace.error} />}
          <KeyNotice onSignOut={onSignOut} />
          {route.page === 'task' ? (
            <TaskPage key={route.taskId} client={client} taskId={route.taskId} />
          ) : route.page === 'slack-link' ? (
            <SlackLink client={client} token={route.token} />
          ) : route.page === 'history' ? (
            <History client={client} query={route.query} />
          ) : (
            <Inbox client={client} />
          )}
        </main>
        <HoldBar />
      </ViewerContext.Provider>
      {help && (
        <HelpDialog
          onClose={() => setHelp(false)}
          onCharacterKeys={onCharacterKeys}
          undoSeconds={undoSeconds}
          onUndoSeconds={(n) => {
            saveUndoSeconds(n);
            setUndoSeconds(n);
          }}
        />
      )}
    </HoldsContext.Provider>
  );
}

export function App() {
  const [key, setKey] = useState(loadKey);
  const [characterKeys, setCharacterKeys] = useState(loadCharacterKeys);
  // A pasted key wins; without one, the page asks the server whether this browser is signed in.
  const [session, setSession] = useState<Credential | undefined>(undefined);
  const [checked, setChecked] = useState(Boolean(key));
  useEffect(() => {
    if (key) return;
    void currentSignIn().then((view) => {
      if (view) setSession({ kind: 'session', view });
      setChecked(true);
    });
  }, [key]);
  const cred: Credential | undefined = useMemo(() => (key ? { kind: 'key', key } : session), [key, session]);
  if (!checked) return <main class="signin" aria-busy="true" />;
  if (!cred) {
    return (
      <KeyEntry
        onKey={(k) => {
          saveKey(k);
          setKey(k);
        }}
      />
    );
  }
  return (
    <CharacterKeys.Provider value={characterKeys}>
      <SignedIn
        key={cred.kind === 'key' ? cred.key : cred.view.principal}
        cred={cred}
        onSignOut={() => {
          if (cred.kind === 'key') {
            clearKey();
            setKey(undefined);
          } else void signOut(cred.view.csrf).then(() => setSession(undefined));
        }}
        onCharacterKeys={(on) => {
          saveCharacterKeys(on);
          setCharacterKeys(on);
        }}
      />
    </CharacterKeys.Provider>
  );
}
