"""Fills a fresh moto_server (started with INITIAL_NO_AUTH_ACTION_COUNT=CALLS) for tests/js/s3.test.mjs.

usage: python s3_setup.py ENDPOINT COG  → JSON on stdout: the reader's keys, a presigned URL of the private
object, and SigV4 headers for a GET of it. Exactly CALLS S3/IAM calls are made before auth is enforced:
an IAM user with a key and an s3:* policy; buckets 'public' (a policy letting anyone GetObject, no CORS
rule), 'cors' (the same policy and a CORS rule exposing Content-Range and ETag) and 'private' (no
policy); the COG in each.
"""
import json
import sys

import boto3
from botocore.config import Config
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CALLS = 12

endpoint, cog = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id='setup', aws_secret_access_key='setup')
iam = boto3.client('iam', **kw)
s3 = boto3.client('s3', **kw)
data = open(cog, 'rb').read()
public_read = lambda b: json.dumps({'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Principal': '*', 'Action': 's3:GetObject', 'Resource': f'arn:aws:s3:::{b}/*'}]})
calls = [
    lambda: iam.create_user(UserName='reader'),
    lambda: iam.put_user_policy(UserName='reader', PolicyName='read', PolicyDocument=json.dumps({
        'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 's3:*', 'Resource': '*'}]})),
    lambda: iam.create_access_key(UserName='reader')['AccessKey'],
    lambda: s3.create_bucket(Bucket='public'),
    lambda: s3.create_bucket(Bucket='cors'),
    lambda: s3.create_bucket(Bucket='private'),
    lambda: s3.put_object(Bucket='public', Key='cog.tif', Body=data, ContentType='image/tiff'),
    lambda: s3.put_object(Bucket='cors', Key='cog.tif', Body=data, ContentType='image/tiff'),
    lambda: s3.put_object(Bucket='private', Key='cog.tif', Body=data, ContentType='image/tiff'),
    lambda: s3.put_bucket_policy(Bucket='public', Policy=public_read('public')),
    lambda: s3.put_bucket_policy(Bucket='cors', Policy=public_read('cors')),
    lambda: s3.put_bucket_cors(Bucket='cors', CORSConfiguration={'CORSRules': [{
        'AllowedOrigins': ['*'], 'AllowedMethods': ['GET', 'HEAD'], 'AllowedHeaders': ['*'],
        'ExposeHeaders': ['Content-Range', 'ETag', 'Content-Length']}]}),
]
assert len(calls) == CALLS
key = [c() for c in calls][2]

signer = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1', config=Config(signature_version='s3v4'),
                      aws_access_key_id=key['AccessKeyId'], aws_secret_access_key=key['SecretAccessKey'])
presigned = signer.generate_presigned_url('get_object', Params={'Bucket': 'private', 'Key': 'cog.tif'}, ExpiresIn=900)
url = f'{endpoint}/private/cog.tif'
req = AWSRequest(method='GET', url=url, headers={'x-amz-content-sha256': 'UNSIGNED-PAYLOAD'})
SigV4Auth(Credentials(key['AccessKeyId'], key['SecretAccessKey']), 's3', 'us-east-1').add_auth(req)
headers = {k: v for k, v in req.headers.items() if k.lower() in ('authorization', 'x-amz-date', 'x-amz-content-sha256')}
print(json.dumps({'calls': CALLS, 'presigned': presigned, 'headers': headers, 'size': len(data)}))
