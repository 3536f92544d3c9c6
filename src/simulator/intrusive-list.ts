/**
 * A doubly linked list through its members' own `prev` / `next` fields: adding or removing one
 * allocates nothing, which matters for objects a storm makes a million of (connection attempts,
 * backends).
 */

/** A member of an {@link IntrusiveList}: its neighbours, `undefined` when not in a list. */
export interface ListLinks<T> {
  prev: T | undefined;
  next: T | undefined;
}

/** A list of objects that link themselves; a member is in at most one such list at a time. */
export class IntrusiveList<T extends ListLinks<T>> {
  /** The first member, or `undefined` when empty. */
  head: T | undefined = undefined;
  /** The last member, or `undefined` when empty. */
  tail: T | undefined = undefined;

  /** Add `member` in front. */
  addFirst(member: T): void {
    member.prev = undefined;
    member.next = this.head;
    if (this.head !== undefined) this.head.prev = member;
    else this.tail = member;
    this.head = member;
  }

  /** Add `member` at the end. */
  addLast(member: T): void {
    member.next = undefined;
    member.prev = this.tail;
    if (this.tail !== undefined) this.tail.next = member;
    else this.head = member;
    this.tail = member;
  }

  /** Take `member` out (a member of this list, or of none). */
  remove(member: T): void {
    const { prev, next } = member;
    if (prev !== undefined) prev.next = next;
    else if (this.head === member) this.head = next;
    if (next !== undefined) next.prev = prev;
    else if (this.tail === member) this.tail = prev;
    member.prev = member.next = undefined;
  }
}
