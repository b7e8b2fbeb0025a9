/**
 * A client's stored rejections from a seq on, as one JSON array in seq order, each shaped as the
 * wire's Rejection (`args` only when stored: an action of an older client's push). Pull and push
 * both report them, so the shape is written once. `client` and `fromSeq` name the statement's
 * parameters (`$1`, …); a null `fromSeq` reads none.
 */
export function rejectionsJsonSql(client: string, fromSeq: string): string {
  return `coalesce((select jsonb_agg(jsonb_build_object('id', r.action_id, 'seq', r.seq, 'name', r.name, 'error', r.error)
                            || case when r.args is null then '{}'::jsonb else jsonb_build_object('args', r.args) end order by r.seq)
            from tandem_rejections r where r.client_id = ${client} and r.seq >= ${fromSeq}), '[]'::jsonb)`;
}
