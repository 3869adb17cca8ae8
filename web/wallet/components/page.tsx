// A screen's frame: the top bar with back and title, and the scrolling body.
import { NavBar } from 'antd-mobile';
import type { ReactNode } from 'react';
import { goBack } from '../router';

export function Page(props: {
  title: ReactNode;
  children: ReactNode;
  back?: boolean;
  right?: ReactNode;
  tone?: 'red' | 'dark';
}) {
  return (
    <div className={`page ${props.tone ? `page-${props.tone}` : ''}`}>
      <NavBar className="page-bar" back={props.back === false ? null : ''} onBack={goBack} right={props.right}>
        {props.title}
      </NavBar>
      <main className="page-body">{props.children}</main>
    </div>
  );
}

/** A titled group of content on a white card. */
export function Section(props: { title?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`section ${props.className ?? ''}`}>
      {props.title !== undefined && <h2 className="section-title">{props.title}</h2>}
      {props.children}
    </section>
  );
}
