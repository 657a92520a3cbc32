#!/usr/bin/env python3
"""How fast SQLite can durably insert event rows on this disk, by schema and transaction size: the
sketch behind docs/PROTOCOL.md's ingest-layout table (WAL, synchronous=FULL, 32 KiB pages, 200,000
rows). Python's sqlite3 adds its own per-row cost, so compare rows, not absolute rates with Swift.

Usage: python3 scripts/sqlite-layout-sketch.py   (writes /tmp/sq-*.db)
"""
import sqlite3, time, random, os, json
random.seed(1)
def run(name, schema, idx, row, n=200000, batch=1000, PS=32768):
    p=f'/tmp/sq-{name}.db'
    for f in [p,p+'-wal',p+'-shm']:
        if os.path.exists(f): os.remove(f)
    c=sqlite3.connect(p, isolation_level=None)
    c.execute(f'PRAGMA page_size={PS}'); c.execute('PRAGMA journal_mode=WAL'); c.execute('PRAGMA synchronous=FULL')
    c.execute(schema)
    for i in idx: c.execute(i)
    cols=row(0).__len__()
    q=f"INSERT INTO events VALUES ({','.join('?'*cols)})"
    rows=[row(i) for i in range(n)]
    t=time.perf_counter()
    for b in range(0,n,batch):
        c.execute('BEGIN'); c.executemany(q, rows[b:b+batch]); c.execute('COMMIT')
    dt=time.perf_counter()-t
    print(f"{name}: {n/dt:,.0f} rows/s")
cams=[f"cam-{d}-{k:03d}" for d in range(12) for k in range(40)]
T0=1_790_000_000_000
def text_row(i):
    cam=random.choice(cams)
    return (None,'agent-north-01',i,i//3,i//1000,cam,'district-'+cam.split('-')[1],random.choice(['intrusion','loitering','crowd','water_level']),'start','high',3,T0+i*5+random.randint(0,2000),T0+i*5,T0+i*5,i%500,100,200,300,400,'zone-a',870,'{"dwell_s":1.5,"object_class":"person"}',None)
schema_text='''CREATE TABLE events (row_id INTEGER PRIMARY KEY, agent_id TEXT, event_id INTEGER, lifecycle_id INTEGER, batch_seq INTEGER, camera_id TEXT, district_id TEXT, kind TEXT, phase TEXT, severity TEXT, severity_rank INTEGER, capture_time_ms INTEGER, agent_time_ms INTEGER, received_at_ms INTEGER, track_id INTEGER, bx INTEGER, by INTEGER, bw INTEGER, bh INTEGER, zone TEXT, conf INTEGER, attributes TEXT, snapshot TEXT, UNIQUE(agent_id,event_id))'''
idx_text=["CREATE INDEX t ON events(capture_time_ms)","CREATE INDEX dt ON events(district_id,capture_time_ms)","CREATE INDEX ct ON events(camera_id,capture_time_ms)","CREATE INDEX kt ON events(kind,capture_time_ms)"]
run('text5', schema_text, idx_text, text_row)
def int_row(i):
    cam=random.randrange(480)
    return (None,1,i,i//3,i//1000,cam,cam//40,random.randrange(4),0,3,T0+i*5+random.randint(0,2000),T0+i*5,T0+i*5,i%500,100,200,300,400,'zone-a',870,'{"dwell_s":1.5,"object_class":"person"}',None)
schema_int='''CREATE TABLE events (row_id INTEGER PRIMARY KEY, agent INTEGER, event_id INTEGER, lifecycle_id INTEGER, batch_seq INTEGER, camera INTEGER, district INTEGER, kind INTEGER, phase INTEGER, severity INTEGER, capture_time_ms INTEGER, agent_time_ms INTEGER, received_at_ms INTEGER, track_id INTEGER, bx INTEGER, by INTEGER, bw INTEGER, bh INTEGER, zone TEXT, conf INTEGER, attributes TEXT, snapshot TEXT, UNIQUE(agent,event_id))'''
idx_int=["CREATE INDEX t ON events(capture_time_ms)","CREATE INDEX dt ON events(district,capture_time_ms)","CREATE INDEX ct ON events(camera,capture_time_ms)","CREATE INDEX kt ON events(kind,capture_time_ms)"]
run('int5', schema_int, idx_int, int_row)
run('int-noidx', schema_int, [], int_row)
run('int5-5000-per-transaction', schema_int, idx_int, int_row, batch=5000)
