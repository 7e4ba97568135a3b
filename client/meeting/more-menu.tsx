/**
 * The toolbar's "More" menu at phone width: the less used controls (share, hand, record, people)
 * behind one button, so the rest can be 44 px targets. A menu button as the WAI-ARIA practices
 * describe it: aria-haspopup and aria-expanded on the button; Enter, Space or Arrow Down open it on
 * the first item (Arrow Up on the last); arrows, Home and End move; Esc closes it and gives focus
 * back to the button; Tab or a click elsewhere closes it. Keys typed on its items are theirs
 * (shortcuts.ts leaves menu items alone), and Esc here does not also close the side panel.
 */
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { MoreIcon } from "../components/icons.tsx";

export interface MenuItem {
  label: string;
  icon: ComponentChildren;
  /** Shown as switched on (a raised hand, a screen being shared, a recording). */
  on?: boolean;
  controls?: string;
  onSelect(): void;
}

/**
 * Also the host menus of the People panel: `id`, `label` (the button's and the menu's accessible
 * name), `short` (its visible text) and `icon` name them, `placement` opens it below the button.
 */
export function MoreMenu({
  items,
  id = "more-menu",
  label = "More controls",
  short = "More",
  icon = <MoreIcon />,
  placement = "up",
}: {
  items: MenuItem[];
  id?: string;
  label?: string;
  short?: string;
  icon?: ComponentChildren;
  placement?: "up" | "down";
}) {
  const open = useSignal<false | "first" | "last">(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const menuItems = () => [...(menu.current?.querySelectorAll<HTMLElement>("[role=menuitem]") ?? [])];

  // Opening puts focus on the first (or last) item.
  useEffect(() => {
    if (!open.value) return;
    const list = menuItems();
    (open.value === "last" ? list.at(-1) : list[0])?.focus();
    // A menu opening inside a scrolling panel (the host menu in People) would be cut off at the
    // panel's bottom edge: scroll the panel just enough to show all of it.
    if (placement === "down") menu.current?.scrollIntoView({ block: "nearest" });
    const onPointer = (e: PointerEvent) => {
      const t = e.target as Node;
      if (!menu.current?.contains(t) && !button.current?.contains(t)) open.value = false;
    };
    document.addEventListener("pointerdown", onPointer);
    return () => document.removeEventListener("pointerdown", onPointer);
  }, [open.value !== false]);

  const close = (refocus: boolean) => {
    open.value = false;
    if (refocus) button.current?.focus();
  };

  function onMenuKey(e: KeyboardEvent) {
    const list = menuItems();
    const at = list.indexOf(document.activeElement as HTMLElement);
    const move = (i: number) => {
      e.preventDefault();
      list[(i + list.length) % list.length]?.focus();
    };
    if (e.key === "ArrowDown") move(at + 1);
    else if (e.key === "ArrowUp") move(at - 1);
    else if (e.key === "Home") move(0);
    else if (e.key === "End") move(list.length - 1);
    else if (e.key === "Escape") {
      // Handled here: the room's Esc (close the side panel) sees a prevented event and leaves it.
      e.preventDefault();
      close(true);
    } else if (e.key === "Tab") close(false);
  }

  function onButtonKey(e: KeyboardEvent) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      open.value = e.key === "ArrowUp" ? "last" : "first";
    } else if (e.key === "Escape" && open.value) {
      // Opened with the mouse, the menu takes focus only once it has painted: an Esc before that
      // reaches the button, and must close the menu all the same.
      e.preventDefault();
      close(true);
    }
  }

  const anyOn = items.some((i) => i.on);
  return (
    <div class={`more${placement === "down" ? " menu-down" : ""}`}>
      <button
        ref={button}
        type="button"
        class={anyOn ? "on" : undefined}
        aria-label={label}
        title={label}
        aria-haspopup="menu"
        aria-expanded={open.value !== false}
        aria-controls={open.value ? id : undefined}
        onClick={() => (open.value = open.value ? false : "first")}
        onKeyDown={onButtonKey}
      >
        {icon}
        <span class="control-label">{short}</span>
      </button>
      {open.value && (
        <div ref={menu} id={id} role="menu" aria-label={label} class="more-menu" onKeyDown={onMenuKey}>
          {items.map((item) => (
            <button
              key={item.label}
              type="button"
              role="menuitem"
              tabIndex={-1}
              class={item.on ? "on" : undefined}
              aria-controls={item.controls}
              onClick={() => {
                close(true);
                item.onSelect();
              }}
            >
              {item.icon}
              <span>{item.label}</span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
